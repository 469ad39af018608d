namespace Mesh.Registries.Consul;

/// <summary>Consul did not answer as asked; the message names the request and what came back.</summary>
public sealed class ConsulException(string message, Exception? inner = null) : Exception(message, inner);
