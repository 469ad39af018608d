using System.Buffers;
using System.IO.Hashing;
using System.Text;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// A type's version: the XOR of a 64-bit hash of each resource's name and version. Order does not
/// matter and a change updates it in O(1) (XOR out the old resource, XOR in the new), so a flush
/// costs what changed, not what exists. Equal sets give equal versions on every silo.
/// </summary>
public static class TypeVersion
{
    public static ulong Of(XdsResource resource)
    {
        var length = Encoding.UTF8.GetMaxByteCount(resource.Name.Length + resource.Version.Length + 1);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(resource.Name, rented);
            rented[written++] = (byte)'\n';
            written += Encoding.UTF8.GetBytes(resource.Version, rented.AsSpan(written));
            return XxHash64.HashToUInt64(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string Format(ulong hash) => hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
