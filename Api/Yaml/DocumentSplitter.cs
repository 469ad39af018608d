namespace Mesh.Api.Yaml;

/// <summary>
/// Cuts a YAML stream at its <c>---</c> lines so each document is parsed on its own: a syntax
/// error in one document then cannot take the others down. YAML forbids a line starting with
/// <c>---</c> inside any scalar, so the cut never splits a value.
/// </summary>
internal static class DocumentSplitter
{
    /// <summary>One piece of the stream; LineOffset is added to the 1-based lines YamlDotNet reports.</summary>
    internal readonly record struct Chunk(string Text, int LineOffset);

    public static IReadOnlyList<Chunk> Split(string text)
    {
        var chunks = new List<Chunk>();
        var start = 0;
        var startLine = 0;
        var line = 0;
        for (var pos = 0; pos < text.Length; line++)
        {
            var end = text.IndexOf('\n', pos);
            var next = end < 0 ? text.Length : end + 1;
            if (pos > start && IsDocumentStart(text, pos, next))
            {
                Add(chunks, text[start..pos], startLine);
                start = pos;
                startLine = line;
            }

            pos = next;
        }

        Add(chunks, text[start..], startLine);
        return chunks;
    }

    private static void Add(List<Chunk> chunks, string chunk, int lineOffset)
    {
        // Comments and directives before the first "---" are not a document of their own.
        if (chunks.Count == 0 && !IsDocumentStart(chunk, 0, chunk.Length) && !HasContent(chunk))
        {
            return;
        }

        chunks.Add(new Chunk(chunk, lineOffset));
    }

    private static bool IsDocumentStart(string text, int pos, int lineEnd) =>
        lineEnd - pos >= 3
        && string.CompareOrdinal(text, pos, "---", 0, 3) == 0
        && (lineEnd - pos == 3 || text[pos + 3] is ' ' or '\t' or '\r' or '\n');

    private static bool HasContent(string chunk) =>
        chunk.Split('\n').Select(l => l.Trim()).Any(l => l.Length > 0 && l[0] is not '#' and not '%');
}
