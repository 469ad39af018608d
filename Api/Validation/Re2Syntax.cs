namespace Mesh.Api.Validation;

/// <summary>
/// An allow-list of RE2 syntax: a pattern passes only if RE2's own parser (re2/parse.cc, with the
/// Perl-like options Envoy and re2-wasm both use) would accept it. Mirroring RE2 rather than asking
/// .NET's engine matters both ways: .NET accepts much RE2 refuses ({1001}, \Z, (?x), \p{IsGreek},
/// lookaround) and refuses RE2 syntax users rely on ((?P&lt;n&gt;…), \pL, \Q…\E, \p{Greek}).
/// This file handles structure (groups, alternation); Re2Syntax.Repeats the repeat operators and
/// Re2Syntax.Atoms the atoms.
/// </summary>
internal sealed partial class Re2Syntax
{
    private readonly string _p;
    private readonly Stack<Level> _open = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private Level _level = new();
    private int _i;

    // Start of the repeat operator just read, or -1: RE2 refuses one repeat straight after another.
    private int _repeatStart = -1;

    private Re2Syntax(string pattern) => _p = pattern;

    /// <summary>Null when RE2 accepts the pattern, else why not, naming the construct.</summary>
    public static string? Problem(string pattern)
    {
        try
        {
            new Re2Syntax(pattern).Parse();
            return null;
        }
        catch (Refusal refusal)
        {
            return refusal.Message;
        }
    }

    /// <summary>
    /// One nesting level of RE2's parse stack, reduced to what its checks need. Operand is the
    /// item a repeat would apply to (null after "(", "|" or at the start, where RE2 says "missing
    /// argument"), as the product of the repeat counts nested in it; Done is the largest such
    /// product among the level's earlier items.
    /// </summary>
    private sealed class Level
    {
        public long? Operand;
        public long Done = 1;
    }

    // Thrown at the first refusal, where RE2 stops too; Problem turns it into the message.
    private sealed class Refusal(string message) : Exception(message);

    private void Parse()
    {
        while (_i < _p.Length)
        {
            // Like RE2, remember only whether the token just before this one was a repeat.
            var afterRepeat = _repeatStart;
            _repeatStart = -1;
            switch (_p[_i])
            {
                case '(':
                    OpenGroup();
                    break;
                case '|':
                    _i++;
                    _level.Done = Math.Max(_level.Done, _level.Operand ?? 1);
                    _level.Operand = null;
                    break;
                case ')':
                    _i++;
                    CloseGroup();
                    break;
                case '*' or '+' or '?':
                    Repeat(afterRepeat);
                    break;
                case '{':
                    CountedRepeat(afterRepeat);
                    break;
                case '[':
                    CharClass();
                    Atom();
                    break;
                case '\\':
                    Escape();
                    break;
                default:
                    // ^ $ . and every other character are one-character atoms.
                    Rune();
                    Atom();
                    break;
            }
        }

        if (_open.Count > 0)
        {
            throw Invalid("missing )");
        }
    }

    /// <summary>A new item at this level: the previous one can no longer be repeated.</summary>
    private void Atom(long product = 1)
    {
        if (_level.Operand is { } last)
        {
            _level.Done = Math.Max(_level.Done, last);
        }

        _level.Operand = product;
    }

    private void OpenGroup()
    {
        if (Peek(1) == '?')
        {
            PerlGroup();
            return;
        }

        _i++;
        Push();
    }

    private void Push()
    {
        _open.Push(_level);
        _level = new Level();
    }

    private void CloseGroup()
    {
        if (_open.Count == 0)
        {
            throw Invalid("unexpected )");
        }

        var product = Math.Max(_level.Done, _level.Operand ?? 1);
        _level = _open.Pop();
        Atom(product);
    }

    /// <summary>"(?" starts a named group, a flags group or a non-capturing group; nothing else is RE2.</summary>
    private void PerlGroup()
    {
        var start = _i;
        var rest = _p.AsSpan(_i + 2);
        if (rest.StartsWith("=") || rest.StartsWith("!") || rest.StartsWith("<=") || rest.StartsWith("<!"))
        {
            throw Unsupported("lookaround");
        }

        if (rest.StartsWith("P<") || rest.StartsWith("<"))
        {
            NamedGroup();
            return;
        }

        ThrowIfPcreGroup(rest);
        _i += 2;
        var negated = false;
        var sawFlag = false;
        while (true)
        {
            if (_i >= _p.Length)
            {
                throw Invalid($"unterminated group {_p[start..]}");
            }

            var c = _p[_i++];
            switch (c)
            {
                case 'i' or 'm' or 's' or 'U':
                    sawFlag = true;
                    break;
                case '-' when !negated:
                    negated = true;
                    sawFlag = false;
                    break;
                case ':' or ')' when negated && !sawFlag:
                    throw Invalid($"no flag after - in {_p[start.._i]}");
                case ':':
                    Push();
                    return;
                case ')':
                    // A flags-only group changes flags; it adds nothing a repeat could apply to.
                    return;
                default:
                    throw char.IsAsciiLetter(c)
                        ? Unsupported($"the inline flag '{c}'", "RE2 has i, m, s and U")
                        : Invalid($"invalid group syntax {_p[start.._i]}");
            }
        }
    }

    /// <summary>Names the .NET and PCRE group kinds users reach for, so the error says what to change.</summary>
    private void ThrowIfPcreGroup(ReadOnlySpan<char> rest)
    {
        var what = rest switch
        {
            ['>', ..] => "an atomic group",
            ['#', ..] => "a comment group (?#…)",
            ['(', ..] => "a conditional (?(…)…)",
            ['\'', ..] => "a named group written (?'name'…)",
            ['|', ..] => "a branch reset group (?|…)",
            ['P', '=', ..] or ['P', '>', ..] or ['&', ..] => "a backreference or subroutine call by name",
            ['R', ..] or ['+' or '-', >= '0' and <= '9', ..] or [>= '0' and <= '9', ..] => "a recursive or numbered subroutine call",
            _ => null,
        };
        if (what is not null)
        {
            throw Unsupported(what);
        }
    }

    /// <summary>(?P&lt;name&gt;…) or (?&lt;name&gt;…): a word-character name, used once.</summary>
    private void NamedGroup()
    {
        var start = _i;
        var nameStart = _i + (_p[_i + 2] == 'P' ? 4 : 3);
        var end = _p.IndexOf('>', nameStart);
        if (end < 0)
        {
            throw Invalid($"invalid named capture group: {_p[start..]}");
        }

        var name = _p[nameStart..end];
        if (name.Contains('-'))
        {
            throw Unsupported("a balancing group");
        }

        // RE2 now also allows non-ASCII letters here, but the re2-wasm in grpc-js-xds does not.
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw Invalid($"invalid named capture group: {_p[start..(end + 1)]}");
        }

        if (!_names.Add(name))
        {
            throw Invalid($"duplicate capture group name: {name}");
        }

        _i = end + 1;
        Push();
    }

    private char Peek(int ahead = 0) => _i + ahead < _p.Length ? _p[_i + ahead] : '\0';

    /// <summary>A construct RE2 lacks (often one .NET or PCRE has); detail shows the text or a way out.</summary>
    private static Refusal Unsupported(string what, string? detail = null) =>
        new($"{what} is not supported by RE2, the regex engine of Envoy and proxyless gRPC{(detail is null ? "" : $" ({detail})")}");

    private static Refusal Invalid(string what) => new($"invalid regular expression (RE2 syntax): {what}");
}
