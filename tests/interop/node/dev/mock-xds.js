#!/usr/bin/env node
'use strict';
/*
 * DEV ONLY: a minimal ADS (state of the world) server that serves hand-written Envoy resources,
 * to check backend.js/client.js and grpc-js-xds behaviour without the Mesh silo.
 *
 *   node dev/mock-xds.js --port 0 --scenario weighted --backends v1=PORT,v2=PORT
 *
 * Prints "READY <port>"; logs every DiscoveryRequest (ACK/NACK + error_detail) on stderr.
 */
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { loadProtosWithOptionsSync } = require('@grpc/proto-loader/build/src/util');
const { parseArgs } = require('../args');

const xdsRoot = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map(d => path.join(xdsRoot, 'deps', d));
const files = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
];
const root = loadProtosWithOptionsSync(files, { keepCase: true, includeDirs });
const ads = grpc.loadPackageDefinition(protoLoader.loadSync(files[0], { keepCase: true, includeDirs, longs: String, enums: String, defaults: true, oneofs: true }));

const T = 'type.googleapis.com/';
function any(type, obj) {
  const msgType = root.lookupType(type);
  return { type_url: T + type, value: msgType.encode(msgType.fromObject(obj)).finish() };
}

const opts = parseArgs(process.argv.slice(2), { defaults: { port: '0', scenario: 'weighted', backends: '', host: 'echo.mesh.local:50051' } });
const backends = Object.fromEntries(opts.backends.split(',').filter(Boolean).map(kv => kv.split('=')));
const [host, port] = opts.host.split(':');

function listener(name) {
  const hcm = {
    rds: { route_config_name: name, config_source: { ads: {}, resource_api_version: 'V3' } },
    http_filters: [
      { name: 'envoy.filters.http.fault', typed_config: any('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) },
      { name: 'envoy.filters.http.router', typed_config: any('envoy.extensions.filters.http.router.v3.Router', {}) },
    ],
  };
  return any('envoy.config.listener.v3.Listener', {
    name, api_listener: { api_listener: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', hcm) },
  });
}
const cluster = (name, extra = {}) => any('envoy.config.cluster.v3.Cluster', {
  name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, lb_policy: 'ROUND_ROBIN', ...extra,
});
const cla = (name, ports) => any('envoy.config.endpoint.v3.ClusterLoadAssignment', {
  cluster_name: name,
  endpoints: [{
    locality: { region: 'r', zone: 'z' }, load_balancing_weight: { value: 1 },
    lb_endpoints: ports.map(p => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: Number(p) } } } })),
  }],
});
const cn = s => `outbound|${port}|${s}|${host}`;

const scenarios = {
  weighted: () => ({
    routes: [
      { match: { prefix: '', headers: [{ name: 'x-canary', exact_match: 'yes' }] }, route: { cluster: cn('v2') } },
      { match: { prefix: '' }, route: { weighted_clusters: { clusters: [{ name: cn('v1'), weight: { value: 90 } }, { name: cn('v2'), weight: { value: 10 } }] } } },
    ],
    clusters: { [cn('v1')]: [backends.v1], [cn('v2')]: [backends.v2] },
  }),
  abort: () => ({
    routes: [{
      match: { prefix: '' }, route: { cluster: cn('') },
      typed_per_filter_config: { 'envoy.filters.http.fault': any('envoy.extensions.filters.http.fault.v3.HTTPFault', { abort: { grpc_status: 8, percentage: { numerator: 100, denominator: 'HUNDRED' } } }) },
    }],
    clusters: { [cn('')]: Object.values(backends) },
  }),
  retry: () => ({
    routes: [{ match: { prefix: '' }, route: { cluster: cn(''), retry_policy: { retry_on: 'unavailable', num_retries: { value: 3 } } } }],
    clusters: { [cn('')]: Object.values(backends) },
  }),
  hash: () => ({
    routes: [{ match: { prefix: '' }, route: { cluster: cn(''), hash_policy: [{ header: { header_name: 'x-user' } }] } }],
    clusters: { [cn('')]: Object.values(backends) },
    clusterExtra: { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 1024 }, hash_function: 'XX_HASH' } },
  }),
  badregex: () => ({
    routes: [
      { match: { prefix: '', headers: [{ name: 'x-canary', safe_regex_match: { regex: 'a{1001}' } }] }, route: { cluster: cn('') } },
      { match: { prefix: '' }, route: { cluster: cn('') } },
    ],
    clusters: { [cn('')]: Object.values(backends) },
  }),
  bigring: () => ({
    routes: [{ match: { prefix: '' }, route: { cluster: cn('') } }],
    clusters: { [cn('')]: Object.values(backends) },
    clusterExtra: { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 10000000 } } },
  }),
};

const sc = scenarios[opts.scenario]();
const resources = {
  [T + 'envoy.config.listener.v3.Listener']: [listener(opts.host)],
  [T + 'envoy.config.route.v3.RouteConfiguration']: [any('envoy.config.route.v3.RouteConfiguration', {
    name: opts.host, virtual_hosts: [{ name: opts.host, domains: [opts.host], routes: sc.routes }],
  })],
  [T + 'envoy.config.cluster.v3.Cluster']: Object.keys(sc.clusters).map(n => cluster(n, sc.clusterExtra)),
  [T + 'envoy.config.endpoint.v3.ClusterLoadAssignment']: Object.entries(sc.clusters).map(([n, ps]) => cla(n, ps)),
};

let nonce = 0;
const server = new grpc.Server();
server.addService(ads.envoy.service.discovery.v3.AggregatedDiscoveryService.service, {
  StreamAggregatedResources(call) {
    const sent = {};
    call.on('data', req => {
      const kind = req.error_detail ? `NACK(${req.error_detail.message})` : (req.response_nonce ? 'ACK' : 'REQ');
      process.stderr.write(`xds ${kind} node=${req.node?.id} type=${req.type_url.split('.').pop()} names=${JSON.stringify(req.resource_names)} version=${req.version_info}\n`);
      const key = JSON.stringify(req.resource_names);
      if (req.response_nonce && sent[req.type_url] === key) return;
      sent[req.type_url] = key;
      call.write({ version_info: '1', type_url: req.type_url, nonce: String(++nonce), resources: resources[req.type_url] ?? [] });
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
  DeltaAggregatedResources(call) { call.emit('error', { code: grpc.status.UNIMPLEMENTED }); },
});
server.bindAsync(`127.0.0.1:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => {
  if (err) throw err;
  process.stdout.write(`READY ${p}\n`);
});
process.on('SIGTERM', () => process.exit(0));
