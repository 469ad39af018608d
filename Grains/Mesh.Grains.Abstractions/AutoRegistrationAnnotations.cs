namespace Mesh.Grains.Abstractions;

/// <summary>
/// Istio's annotations on an auto-registered WorkloadEntry. The controller annotation is how a
/// control plane knows an entry is its own to adopt and remove, whatever store keeps it.
/// </summary>
public static class AutoRegistrationAnnotations
{
    public const string Group = "istio.io/autoRegistrationGroup";
    public const string Controller = "istio.io/workloadController";
    public const string ConnectedAt = "istio.io/connectedAt";
    public const string DisconnectedAt = "istio.io/disconnectedAt";

    /// <summary>This control plane's value of <see cref="Controller"/>.</summary>
    public const string ControllerName = "mesh";
}
