using Mesh.Proxy.Hosting;
using Mesh.Proxy.Interception;

// mesh-proxy: pilot-agent and Envoy in one process. Flags (or MESH_* variables), e.g.
//   mesh-proxy --xds-address 127.0.0.1:15010 --namespace default --labels app=x,version=v1 --app-port 8080
// and istio-init's job: mesh-proxy iptables [--dry-run] [--cleanup] [--proxy-uid 1337] ...
if (args.Length > 0 && args[0] == "iptables")
{
    try
    {
        return await IptablesCommand.RunAsync(IptablesOptions.Parse(args[1..]), Console.Out, Console.Error);
    }
    catch (ArgumentException e)
    {
        await Console.Error.WriteLineAsync($"mesh-proxy iptables: {e.Message}");
        return 2;
    }
}

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

// The runtime reads this once, when the process makes its first socket: set it before anything
// does. A value already in the environment (0 to turn it off alone) is left as it is.
if (options.InlineIo && Environment.GetEnvironmentVariable(ProxyOptions.InlineCompletionsVariable) is null)
    Environment.SetEnvironmentVariable(ProxyOptions.InlineCompletionsVariable, "1");

var app = ProxyHost.Build(options);
await app.RunAsync();
return 0;
