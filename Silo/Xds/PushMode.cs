namespace Mesh.Silo.Xds;

/// <summary>What a flush sends a stream.</summary>
public enum PushMode
{
    /// <summary>Only the resources of the proxy's subscription that changed (LDS and CDS: the whole set, when any changed).</summary>
    Incremental,

    /// <summary>
    /// Every subscribed resource of every watched type, whatever changed: Istio's full push. Kept
    /// to measure the incremental path against (Mesh.XdsLoad --push-modes), not for production.
    /// </summary>
    Full,
}
