using Mesh.Proxy.Hosting;

// mesh-proxy: pilot-agent and Envoy in one process. Flags (or MESH_* variables), e.g.
//   mesh-proxy --xds-address 127.0.0.1:15010 --namespace default --labels app=x,version=v1 --app-port 8080
ProxyOptions options;
try
{
    options = ProxyOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"mesh-proxy: {e.Message}");
    return 2;
}

var app = ProxyHost.Build(options);
await app.RunAsync();
return 0;
