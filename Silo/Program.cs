using Mesh.Silo.Hosting;

SiloOptions options;
try
{
    options = SiloOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"mesh silo: {ex.Message}");
    Console.Error.WriteLine("usage: Mesh.Silo [--config-dir DIR] [--xds-port 15010] [--http-port 15014] [--silo-port 11111] [--gateway-port 30000] [--clustering localhost|redis|kubernetes] [--redis HOST:PORT] [--silo-address IP] [--primary-silo-port PORT] [--cluster-id mesh] [--debounce-quiet-ms 100] [--debounce-max-ms 10000]");
    return 2;
}

WebApplication app;
try
{
    app = SiloHost.Build(options);
}
catch (ArgumentException ex)
{
    // A flag's value that parses but cannot be used (a kubeconfig that does not load): its message names the flag.
    Console.Error.WriteLine($"mesh silo: {ex.Message}");
    return 2;
}
await app.RunAsync();
return 0;
