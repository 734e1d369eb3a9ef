using System.Diagnostics.CodeAnalysis;

namespace ProcessGrid;

/// <summary>
/// The name of a node, written <c>name@host</c> as in Erlang (<c>alpha@db1.example.com</c>).
/// </summary>
/// <remarks>
/// The name part is letters, digits, <c>_</c>, <c>-</c> and <c>.</c>; the host part is a host name or an address
/// (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>, <c>:</c>, <c>[</c>, <c>]</c>). Comparison is ordinal.
/// </remarks>
public readonly struct NodeName : IEquatable<NodeName>, IComparable<NodeName>
{
    private readonly string? _value;

    private NodeName(string value) => _value = value;

    /// <summary>The full name, <c>name@host</c>.</summary>
    public string Value => _value ?? "nonode@nohost";

    /// <summary>The part before <c>@</c>.</summary>
    public string Name => Value[..Value.IndexOf('@')];

    /// <summary>The part after <c>@</c>.</summary>
    public string Host => Value[(Value.IndexOf('@') + 1)..];

    /// <summary>The name of a node that was never given one (Erlang's <c>nonode@nohost</c>).</summary>
    public static NodeName None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => _value is null;

    /// <summary>Builds a node name from its two parts.</summary>
    /// <exception cref="FormatException">A part is empty or holds a character a node name cannot hold.</exception>
    public static NodeName Create(string name, string host) => Parse(name + "@" + host);

    /// <summary>Parses <c>name@host</c>.</summary>
    /// <exception cref="FormatException">The text is not a valid node name; the message says why.</exception>
    public static NodeName Parse(string text)
    {
        if (TryParse(text, out var node, out var error))
        {
            return node;
        }
        throw new FormatException(error);
    }

    /// <summary>Parses <c>name@host</c>, returning false for text that is not a valid node name.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NodeName node) => TryParse(text, out node, out _);

    private static bool TryParse(string? text, out NodeName node, out string error)
    {
        node = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "A node name cannot be empty; write it as name@host, for example alpha@localhost.";
            return false;
        }
        var at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@', at + 1) >= 0)
        {
            error = $"'{text}' is not a node name: write it as name@host with exactly one '@', for example alpha@localhost.";
            return false;
        }
        for (var i = 0; i < at; i++)
        {
            if (!IsNameChar(text[i]))
            {
                error = $"'{text}' is not a node name: the name part may hold only letters, digits, '_', '-' and '.' (found '{text[i]}').";
                return false;
            }
        }
        for (var i = at + 1; i < text.Length; i++)
        {
            if (!IsHostChar(text[i]))
            {
                error = $"'{text}' is not a node name: the host part may hold only letters, digits, '.', '-', '_', ':', '[' and ']' (found '{text[i]}').";
                return false;
            }
        }
        node = new NodeName(text);
        error = "";
        return true;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    private static bool IsHostChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']';

    /// <inheritdoc />
    public bool Equals(NodeName other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NodeName other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc />
    public int CompareTo(NodeName other) => string.CompareOrdinal(Value, other.Value);

    /// <summary>Returns <c>name@host</c>.</summary>
    public override string ToString() => Value;

    /// <summary>Ordinal equality.</summary>
    public static bool operator ==(NodeName left, NodeName right) => left.Equals(right);

    /// <summary>Ordinal inequality.</summary>
    public static bool operator !=(NodeName left, NodeName right) => !left.Equals(right);
}
