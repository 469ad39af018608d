using Org.BouncyCastle.OpenSsl;

namespace Mesh.Silo.Ca;

/// <summary>PEM in and out, through BouncyCastle's reader and writer.</summary>
public static class Pem
{
    public static string Write(params object[] objects)
    {
        using var text = new StringWriter();
        var writer = new PemWriter(text);
        foreach (var o in objects) writer.WriteObject(o);
        writer.Writer.Flush();
        return text.ToString();
    }

    /// <summary>Every PEM object in the text, in order; a block that is not valid PEM is an error.</summary>
    public static IReadOnlyList<object> ReadAll(string text)
    {
        using var reader = new StringReader(text);
        var pem = new PemReader(reader);
        var objects = new List<object>();
        while (pem.ReadObject() is { } o) objects.Add(o);
        return objects;
    }
}
