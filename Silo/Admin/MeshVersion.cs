using System.Reflection;

namespace Mesh.Silo.Admin;

public static class MeshVersion
{
    public static string Current { get; } =
        typeof(MeshVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
