'use strict';
// Loads tests/interop/proto/echo.proto with the repo's pinned @grpc/proto-loader.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_PATH = path.join(__dirname, '..', 'proto', 'echo.proto');

function loadEcho() {
  const definition = protoLoader.loadSync(PROTO_PATH, {
    keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).mesh.interop.Echo;
}

module.exports = { loadEcho, grpc };
