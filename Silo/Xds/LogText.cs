using System.Text;

namespace Mesh.Silo.Xds;

/// <summary>Client-supplied text made fit for a log line: bounded, and with control characters escaped so it cannot forge lines.</summary>
public static class LogText
{
    public static string Safe(string? text, int max)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var cut = text.Length > max;
        var span = cut ? text.AsSpan(0, max) : text.AsSpan();
        var clean = true;
        foreach (var c in span)
            if (char.IsControl(c)) { clean = false; break; }
        if (clean && !cut) return text;
        var sb = new StringBuilder(span.Length + 32);
        foreach (var c in span)
        {
            if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        if (cut) sb.Append("…(").Append(text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" chars)");
        return sb.ToString();
    }
}
