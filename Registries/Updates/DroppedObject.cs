namespace Mesh.Registries.Updates;

/// <summary>
/// A part of a host's registry report that a proxy would reject, left out of what the shard
/// publishes: a service port, a service address or an endpoint. Field is a path into the host's
/// report, e.g. <c>ports[0].number</c> or <c>endpoints[10.1.0.1].ports[http]</c>; Value is what the
/// registry said there.
/// </summary>
public sealed record DroppedObject(string Host, string Field, string Value, string Reason);
