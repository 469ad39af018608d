using System.Text;

namespace Mesh.Api.Analysis;

/// <summary>Severity, ordered so that <c>level &gt;= Warning</c> reads naturally.</summary>
public enum AnalysisLevel { Info, Warning, Error }

/// <summary>
/// One finding of <see cref="MeshAnalyzer"/>: a schema/validation error or a cross-reference
/// problem between objects. Code is an Istio analyzer code (IST0xxx) where Istio has one,
/// else a Mesh code (MSH0xxx); see <see cref="AnalysisCodes"/>.
/// </summary>
public sealed record AnalysisMessage(
    AnalysisLevel Level,
    string Code,
    string Message,
    string? File,
    int? DocumentIndex,
    string? Kind,
    string? Name,
    string? FieldPath,
    string? Namespace = null,
    int? Line = null)
{
    /// <summary>istioctl analyze's format: <c>Error [IST0101] (VirtualService ns/name file:line) path: message</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder().Append(Level).Append(" [").Append(Code).Append(']');
        var where = new List<string>();
        if (Kind is not null)
        {
            where.Add(Name is null ? Kind : $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}");
        }

        if (!string.IsNullOrEmpty(File))
        {
            where.Add(Line is int line ? $"{File}:{line}" : DocumentIndex is int doc && doc >= 0 ? $"{File} [doc {doc}]" : File);
        }

        if (where.Count > 0)
        {
            text.Append(" (").AppendJoin(' ', where).Append(')');
        }

        text.Append(' ');
        if (!string.IsNullOrEmpty(FieldPath))
        {
            text.Append(FieldPath).Append(": ");
        }

        return text.Append(Message).ToString();
    }
}
