namespace Mesh.Silo.Clustering;

/// <summary>
/// The membership table could not do its work in the API server: unreachable, too slow, refused
/// (RBAC, a CRD not installed) or holding something unexpected. Orleans logs it and retries the
/// membership operation; the message says which call failed and why, so the log is enough to act.
/// </summary>
public sealed class KubernetesMembershipException(string message, Exception? inner = null) : Exception(message, inner);
