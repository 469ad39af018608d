namespace Mesh.Api.Validation;

/// <summary>The atoms of RE2 syntax: escapes, character classes and Unicode classes.</summary>
internal sealed partial class Re2Syntax
{
    private const int MaxRune = 0x10FFFF;

    private bool _noPosixClose;

    /// <summary>A backslash outside a class: an assertion, a class, \Q…\E, or one escaped character.</summary>
    private void Escape()
    {
        switch (Peek(1))
        {
            case 'A' or 'z' or 'b' or 'B' or 'C' or 'd' or 'D' or 's' or 'S' or 'w' or 'W':
                _i += 2;
                Atom();
                return;
            case 'Q':
                Quoted();
                return;
            case 'p' or 'P':
                UnicodeClass();
                Atom();
                return;
            default:
                EscapedRune();
                Atom();
                return;
        }
    }

    /// <summary>\Q…\E: everything up to \E (or the end) is literal text.</summary>
    private void Quoted()
    {
        _i += 2;
        while (_i < _p.Length)
        {
            if (_p[_i] == '\\' && Peek(1) == 'E')
            {
                _i += 2;
                return;
            }

            Rune();
            Atom();
        }
    }

    /// <summary>RE2's ParseEscape: octal, hex, C escapes and escaped ASCII punctuation; nothing else.</summary>
    private int EscapedRune()
    {
        var start = _i;
        if (_i + 1 >= _p.Length)
        {
            throw Invalid("trailing \\");
        }

        var c = _p[_i + 1];
        _i += 2;

        // \1-\7 followed by an octal digit is octal (\12); alone, or \8 and \9, it is a backreference.
        if (c is >= '1' and <= '9' && (c > '7' || Peek() is < '0' or > '7'))
        {
            throw Unsupported("a backreference", _p[start.._i]);
        }

        if (c is >= '0' and <= '7')
        {
            var code = c - '0';
            for (var digits = 0; digits < 2 && Peek() is >= '0' and <= '7'; digits++)
            {
                code = code * 8 + (_p[_i++] - '0');
            }

            return code;
        }

        switch (c)
        {
            case 'x':
                return Hex(start);
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'a':
                return '\a';
            case 'f':
                return '\f';
            case 'v':
                return '\v';
        }

        if (c < 0x80 && !char.IsAsciiLetterOrDigit(c))
        {
            return c;
        }

        throw c is 'k' or 'g'
            ? Unsupported("a backreference", _p[start.._i])
            : Unsupported($"the escape \\{(char.IsHighSurrogate(c) ? _p[(start + 1)..Math.Min(_i + 1, _p.Length)] : c.ToString())}", Hint(c));
    }

    private static string? Hint(char c) => c switch
    {
        'Z' => "use \\z or $",
        'e' => "use \\x1B",
        'c' => "use \\x01…\\x1F",
        'u' or 'U' => "use \\x{…}",
        'h' => "use [\\t ]",
        _ => null,
    };

    /// <summary>\xHH (exactly two digits) or \x{H…} up to U+10FFFF.</summary>
    private int Hex(int start)
    {
        if (Peek() != '{')
        {
            if (!char.IsAsciiHexDigit(Peek()) || !char.IsAsciiHexDigit(Peek(1)))
            {
                throw Invalid($"\\x needs two hex digits or \\x{{…}}: {_p[start..Math.Min(_i + 2, _p.Length)]}");
            }

            _i += 2;
            return Convert.ToInt32(_p[(_i - 2).._i], 16);
        }

        _i++;
        var code = 0;
        var digits = 0;
        for (; char.IsAsciiHexDigit(Peek()); _i++, digits++)
        {
            code = code * 16 + Convert.ToInt32(_p[_i].ToString(), 16);
            if (code > MaxRune)
            {
                throw Invalid($"{_p[start..(_i + 1)]}… is beyond U+10FFFF");
            }
        }

        if (digits == 0 || Peek() != '}')
        {
            throw Invalid($"invalid escape {_p[start.._i]}: \\x{{ needs hex digits and a closing }}");
        }

        _i++;
        return code;
    }

    /// <summary>
    /// RE2's ParseCharClass. "]" first is a literal; "-" anywhere is (Perl mode); a range may not run
    /// backwards; [:name:] must be a POSIX class RE2 knows.
    /// </summary>
    private void CharClass()
    {
        var start = _i++;
        if (Peek() == '^')
        {
            _i++;
        }

        var first = true;
        while (_i < _p.Length && (_p[_i] != ']' || first))
        {
            first = false;
            if (_p[_i] == '[' && Peek(1) == ':' && PosixClass())
            {
                continue;
            }

            if (_p[_i] == '\\' && Peek(1) is 'p' or 'P')
            {
                UnicodeClass();
                continue;
            }

            if (_p[_i] == '\\' && Peek(1) is 'd' or 'D' or 's' or 'S' or 'w' or 'W')
            {
                _i += 2;
                continue;
            }

            var rangeStart = _i;
            var low = ClassRune(start);
            if (Peek() == '-' && _i + 1 < _p.Length && _p[_i + 1] != ']')
            {
                _i++;
                if (_p[_i] == '\\' && Peek(1) is 'd' or 'D' or 's' or 'S' or 'w' or 'W' or 'p' or 'P')
                {
                    throw Invalid($"a range cannot end in a class: {_p[rangeStart..(_i + 2)]}");
                }

                if (ClassRune(start) < low)
                {
                    throw Invalid($"backwards character range {_p[rangeStart.._i]}");
                }
            }
        }

        if (_i >= _p.Length)
        {
            throw Invalid($"missing ] in {_p[start..]}");
        }

        _i++;
    }

    /// <summary>[:name:] inside a class; without a closing ":]" the "[" is just a literal.</summary>
    private bool PosixClass()
    {
        var close = _noPosixClose ? -1 : _p.IndexOf(":]", _i + 2, StringComparison.Ordinal);
        if (close < 0)
        {
            // No ":]" from here means none further on either: remember, so many "[:" stay linear.
            _noPosixClose = true;
            return false;
        }

        var name = _p[_i..(close + 2)];
        if (!Re2Names.Posix.Contains(name))
        {
            throw Unsupported($"the character class {name}", "RE2 has the POSIX classes, e.g. [:alpha:]");
        }

        _i = close + 2;
        return true;
    }

    private int ClassRune(int classStart)
    {
        if (_i >= _p.Length)
        {
            throw Invalid($"missing ] in {_p[classStart..]}");
        }

        return _p[_i] == '\\' ? EscapedRune() : Rune();
    }

    /// <summary>\pL, \p{Greek}, \P{…} or \p{^…}: a general category or script RE2 knows, or Any.</summary>
    private void UnicodeClass()
    {
        var start = _i;
        _i += 2;
        if (_i >= _p.Length)
        {
            throw Invalid($"{_p[start..]} needs a class name");
        }

        string name;
        if (_p[_i] == '{')
        {
            var end = _p.IndexOf('}', _i);
            if (end < 0)
            {
                throw Invalid($"missing }} in {_p[start..]}");
            }

            name = _p[(_i + 1)..end];
            _i = end + 1;
        }
        else
        {
            var nameStart = _i;
            Rune();
            name = _p[nameStart.._i];
        }

        var bare = name.StartsWith('^') ? name[1..] : name;
        if (bare != "Any" && !Re2Names.Unicode.Contains(bare))
        {
            throw Unsupported($"the Unicode class {_p[start.._i]}", "RE2 has general categories and scripts, e.g. \\p{L}, \\p{Greek}");
        }
    }

    /// <summary>One code point; UTF-16 surrogates must pair up, as RE2 refuses invalid UTF-8.</summary>
    private int Rune()
    {
        var c = _p[_i];
        if (!char.IsSurrogate(c))
        {
            _i++;
            return c;
        }

        if (char.IsHighSurrogate(c) && _i + 1 < _p.Length && char.IsLowSurrogate(_p[_i + 1]))
        {
            _i += 2;
            return char.ConvertToUtf32(c, _p[_i - 1]);
        }

        throw Invalid($"unpaired surrogate U+{(int)c:X4} at offset {_i} (not valid UTF-8)");
    }
}
