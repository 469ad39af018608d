namespace Mesh.Proxy.Configuration;

/// <summary>
/// A resource this proxy cannot apply. The message names the resource and the field path, since it
/// becomes the NACK's error_detail that an operator reads in the control plane's syncz.
/// </summary>
public sealed class TranslationException(string message) : Exception(message);
