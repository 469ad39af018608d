using System.Text;

namespace Mesh.XdsLoad;

/// <summary>
/// Reads from a serialized ClusterLoadAssignment only what the timings need: its cluster name and
/// the highest change sequence among its endpoint addresses. Parsing the whole message (every
/// endpoint's metadata maps) was a sixth of this tool's CPU under load, on the cores the silos
/// share; here the rest of the message is skipped at the wire level. What the silo sends is the
/// same either way; <see cref="StateCodes.SeqOf(Envoy.Config.Endpoint.V3.ClusterLoadAssignment)"/>
/// is the full parse it must agree with.
/// </summary>
public static class AssignmentReader
{
    // Field numbers: ClusterLoadAssignment.cluster_name = 1, .endpoints = 2;
    // LocalityLbEndpoints.lb_endpoints = 2; LbEndpoint.endpoint = 1; Endpoint.address = 1;
    // Address.socket_address = 1; SocketAddress.address = 2.
    public static (string ClusterName, int Seq) Read(ReadOnlySpan<byte> assignment)
    {
        var name = "";
        var seq = 0;
        var reader = new WireReader(assignment);
        while (reader.Next(out var field, out var value))
        {
            if (field == 1) name = Encoding.UTF8.GetString(value);
            else if (field == 2) seq = Math.Max(seq, LocalitySeq(value));
        }
        return (name, seq);
    }

    private static int LocalitySeq(ReadOnlySpan<byte> locality)
    {
        var seq = 0;
        var reader = new WireReader(locality);
        while (reader.Next(out var field, out var value))
            if (field == 2 && Field(Field(Field(value, 1), 1), 1) is { IsEmpty: false } socket)
                seq = Math.Max(seq, SeqOfAddress(Field(socket, 2)));
        return seq;
    }

    /// <summary>The last occurrence of a length-delimited field, as protobuf merges it; empty if absent.</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> message, int number)
    {
        var found = ReadOnlySpan<byte>.Empty;
        var reader = new WireReader(message);
        while (reader.Next(out var field, out var value))
            if (field == number) found = value;
        return found;
    }

    private static int SeqOfAddress(ReadOnlySpan<byte> utf8) =>
        utf8.IsEmpty || utf8.Length > 15 ? 0 : StateCodes.SeqOfAddress(Encoding.ASCII.GetString(utf8));

    /// <summary>Walks a message's fields; yields length-delimited ones, skips the other wire types.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public bool Next(out int field, out ReadOnlySpan<byte> value)
        {
            while (!_rest.IsEmpty)
            {
                var tag = Varint();
                field = (int)(tag >> 3);
                switch ((int)(tag & 7))
                {
                    case 0: Varint(); break;
                    case 1: Skip(8); break;
                    case 5: Skip(4); break;
                    case 2:
                        var length = checked((int)Varint());
                        if (length > _rest.Length) throw new InvalidDataException("truncated length-delimited field");
                        value = _rest[..length];
                        _rest = _rest[length..];
                        return true;
                    default: throw new InvalidDataException($"unsupported wire type {tag & 7}");
                }
            }
            field = 0;
            value = default;
            return false;
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_rest.IsEmpty) throw new InvalidDataException("truncated varint");
                var b = _rest[0];
                _rest = _rest[1..];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }

        private void Skip(int count)
        {
            if (count > _rest.Length) throw new InvalidDataException("truncated fixed-width field");
            _rest = _rest[count..];
        }
    }
}
