using System.Text;

namespace Mesh.Api.Yaml;

/// <summary>
/// One problem found in a config document, by the parser or by <see cref="Validation.ConfigValidator"/>.
/// Kind, Name and Namespace are null when the document is too broken to tell them; Line is the
/// 1-based line in the file, Column is only known for YAML syntax errors.
/// </summary>
public sealed record ConfigError(
    string File,
    int DocumentIndex,
    string? Kind,
    string? Name,
    string? FieldPath,
    string? Value,
    string Message,
    int? Line,
    string? Namespace = null,
    int? Column = null)
{
    /// <summary>Formats like istioctl: <c>file [doc 2] Kind ns/name: field.path: invalid value "v": message (line 14)</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(File.Length == 0 ? "<input>" : File);
        if (DocumentIndex >= 0)
        {
            text.Append(" [doc ").Append(DocumentIndex).Append(']');
        }

        if (Kind is not null)
        {
            text.Append(' ').Append(Kind);
            if (Name is not null)
            {
                text.Append(' ');
                if (Namespace is not null)
                {
                    text.Append(Namespace).Append('/');
                }

                text.Append(Name);
            }
        }

        text.Append(": ");
        if (!string.IsNullOrEmpty(FieldPath))
        {
            text.Append(FieldPath).Append(": ");
        }

        if (Value is not null)
        {
            text.Append("invalid value ").Append(Quote(Value)).Append(": ");
        }

        text.Append(Message);
        if (Line is int line)
        {
            text.Append(" (line ").Append(line);
            if (Column is int column)
            {
                text.Append(", column ").Append(column);
            }

            text.Append(')');
        }

        return text.ToString();
    }

    /// <summary>Quotes a value so a stray quote or newline in it cannot garble the one-line message.</summary>
    internal static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";
}
