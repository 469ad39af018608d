using Orleans.Serialization;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// The mesh model (Mesh.Api) stays free of Orleans; its records cross silos as JSON, through
/// Orleans' System.Text.Json codec. Every silo and client must register this.
/// </summary>
public static class MeshSerialization
{
    public static ISerializerBuilder AddMeshModel(this ISerializerBuilder builder) =>
        builder.AddJsonSerializer(isSupported: t => t.Namespace?.StartsWith("Mesh.Api", StringComparison.Ordinal) == true);
}
