namespace Mesh.Api.Validation;

/// <summary>
/// RE2's repeat operators: *, +, ? and counted {n,m}, each optionally non-greedy. RE2 refuses a
/// repeat with nothing before it, a repeat of a repeat (so no possessive a++), and counts over 1000,
/// alone or multiplied through nesting.
/// </summary>
internal sealed partial class Re2Syntax
{
    /// <summary>RE2's maximum_repeat_count: the bound on a count, and on counts nested in counts.</summary>
    private const int MaxRepeat = 1000;

    /// <summary>*, + or ?, optionally followed by ? (non-greedy).</summary>
    private void Repeat(int afterRepeat)
    {
        var start = _i++;
        if (Peek() == '?')
        {
            _i++;
        }

        ThrowIfStacked(afterRepeat, start);
        RequireOperand(start);
        _repeatStart = start;
    }

    /// <summary>{n}, {n,} or {n,m}, optionally followed by ?; any other "{" is a literal.</summary>
    private void CountedRepeat(int afterRepeat)
    {
        var start = _i;
        if (!TryCount(out var min, out var max))
        {
            _i++;
            Atom();
            return;
        }

        if (Peek() == '?')
        {
            _i++;
        }

        var op = _p[start.._i];
        ThrowIfStacked(afterRepeat, start);
        if (max != -1 && max < min)
        {
            throw Invalid($"invalid repeat count {op}: the maximum is below the minimum");
        }

        if (min > MaxRepeat || max > MaxRepeat)
        {
            throw Unsupported($"a repeat count over {MaxRepeat}", op);
        }

        RequireOperand(start);

        // RE2 divides 1000 by each count down a nest of counted repeats and refuses when it reaches 0:
        // that is, when the counts along any nesting chain multiply to more than 1000.
        var count = max == -1 ? min : max;
        if (count > 0)
        {
            var product = _level.Operand!.Value * count;
            if (product > MaxRepeat)
            {
                throw Unsupported($"nesting repeat counts to over {MaxRepeat} in total", $"{op} around {_level.Operand.Value}");
            }

            _level.Operand = product;
        }

        _repeatStart = start;
    }

    private void ThrowIfStacked(int afterRepeat, int start)
    {
        if (afterRepeat < 0)
        {
            return;
        }

        throw _p[start] == '+'
            ? Unsupported("a possessive quantifier", _p[afterRepeat.._i])
            : Invalid($"a repeat cannot follow a repeat: {_p[afterRepeat.._i]}");
    }

    private void RequireOperand(int start)
    {
        if (_level.Operand is null)
        {
            throw Invalid($"nothing to repeat before {_p[start.._i]} at offset {start}");
        }
    }

    /// <summary>RE2's MaybeParseRepeat: counts have no leading zeros and fewer than 10 digits.</summary>
    private bool TryCount(out int min, out int max)
    {
        max = -1;
        var j = _i + 1;
        if (!TryInteger(ref j, out min) || j >= _p.Length)
        {
            return false;
        }

        if (_p[j] == ',')
        {
            j++;
            if (j >= _p.Length || (_p[j] != '}' && !TryInteger(ref j, out max)))
            {
                return false;
            }
        }
        else
        {
            max = min;
        }

        if (j >= _p.Length || _p[j] != '}')
        {
            return false;
        }

        _i = j + 1;
        return true;
    }

    private bool TryInteger(ref int j, out int value)
    {
        value = 0;
        if (j >= _p.Length || !char.IsAsciiDigit(_p[j]) || (_p[j] == '0' && j + 1 < _p.Length && char.IsAsciiDigit(_p[j + 1])))
        {
            return false;
        }

        for (; j < _p.Length && char.IsAsciiDigit(_p[j]); j++)
        {
            if (value >= 100_000_000)
            {
                return false;
            }

            value = value * 10 + (_p[j] - '0');
        }

        return true;
    }
}
