using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ProcessGrid;

/// <summary>
/// The address of a process, valid on every node: Erlang's pid. <c>pid.Send(msg)</c> is <c>Pid ! Msg</c> whether the
/// process lives on this node or another.
/// </summary>
/// <remarks>
/// <para>One type names both kinds of process:</para>
/// <list type="bullet">
/// <item><b>Spawned</b> processes are named by the node they live on, that node's creation (a restarted node is a new
/// creation, so an old pid never reaches a new process) and a number: text form <c>&lt;alpha@host.1700000000.42&gt;</c>.</item>
/// <item><b>Virtual</b> processes (Orleans grains) are named by their kind and key, and always exist logically: text
/// form <c>&lt;Counter/alice&gt;</c>. The runtime activates them on demand wherever placement puts them.</item>
/// </list>
/// <para>The text form parses back with <see cref="Parse"/>. Equality ignores which node object a pid was obtained
/// from.</para>
/// </remarks>
public sealed class Pid : IEquatable<Pid>
{
    /// <summary>The lowest id a spawned pid can carry: ids are positive.</summary>
    private const long MinId = 1;

    private Pid(NodeName node, long creation, long id, string? kind, string? key)
    {
        Node = node;
        Creation = creation;
        Id = id;
        Kind = kind;
        Key = key;
    }

    /// <summary>For a spawned process: the node it lives on. For a virtual process: <see cref="NodeName.None"/>.</summary>
    public NodeName Node { get; }

    /// <summary>For a spawned process: the creation (generation) of its node when it was spawned.</summary>
    public long Creation { get; }

    /// <summary>For a spawned process: its number on its node (positive). Zero for a virtual process.</summary>
    public long Id { get; }

    /// <summary>For a virtual process: its kind (the process type's registered name). Null for a spawned process.</summary>
    public string? Kind { get; }

    /// <summary>For a virtual process: its key within the kind. Null for a spawned process.</summary>
    public string? Key { get; }

    /// <summary>True when this pid names a virtual process (kind + key).</summary>
    [MemberNotNullWhen(true, nameof(Kind), nameof(Key))]
    public bool IsVirtual => Kind is not null;

    /// <summary>The node object this pid routes through when sent to with <see cref="Send"/>.</summary>
    internal IPidHost? Host { get; set; }

    /// <summary>The local process behind this pid, cached so a local send needs no table lookup.</summary>
    internal object? Cell;

    /// <summary>Names the spawned process <paramref name="id"/> of creation <paramref name="creation"/> of <paramref name="node"/>.</summary>
    /// <exception cref="ArgumentException">The node is <see cref="NodeName.None"/> or the id is not positive.</exception>
    public static Pid ForSpawned(NodeName node, long creation, long id)
    {
        if (node.IsNone)
        {
            throw new ArgumentException("A spawned pid needs the node its process lives on.", nameof(node));
        }
        if (creation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(creation), creation, "A node's creation is zero or more.");
        }
        if (id < MinId)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "A spawned pid's id is positive.");
        }
        return new Pid(node, creation, id, null, null);
    }

    /// <summary>Names spawned process <paramref name="id"/> of a node whose name and creation the caller has already validated (the node's own spawns).</summary>
    internal static Pid ForLocalSpawn(NodeName node, long creation, long id) => new(node, creation, id, null, null);

    /// <summary>Names the virtual process with key <paramref name="key"/> of kind <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentException">The kind is not a valid kind name, or the key is null.</exception>
    public static Pid ForVirtual(string kind, string key)
    {
        ValidateKind(kind);
        ArgumentNullException.ThrowIfNull(key);
        return new Pid(NodeName.None, 0, 0, kind, key);
    }

    /// <summary>
    /// Sends <paramref name="message"/> to this process (Erlang's <c>Pid ! Msg</c>). Never blocks. A message that
    /// cannot be delivered becomes a dead letter (counted and logged with the reason).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// This pid was parsed from text or built by hand, and this OS process runs no node or more than one, so there is
    /// no node to route through: send with <c>IProcessGrid.Send</c> instead.
    /// </exception>
    public void Send(object message)
    {
        var host = Host ?? PidHosts.Single ?? throw new InvalidOperationException(
            $"Pid {this} is not attached to a node and this process runs {PidHosts.Count} nodes, so 'pid.Send' does not know which node to send through. " +
            "Send with grid.Send(pid, message), or get the pid from grid.ParsePid(text).");
        host.Send(this, message);
    }

    /// <summary>Parses the text form written by <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not a pid; the message says what was expected.</exception>
    public static Pid Parse(string text)
    {
        if (TryParse(text, out var pid, out var error))
        {
            return pid;
        }
        throw new FormatException(error);
    }

    /// <summary>Parses the text form written by <see cref="ToString"/>; false when the text is not a pid.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Pid? pid) => TryParse(text, out pid, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out Pid? pid, out string error)
    {
        pid = null;
        const string Expected = "expected <node.creation.id> for a spawned process (e.g. <alpha@localhost.1700000000.42>) or <Kind/key> for a virtual one (e.g. <Counter/alice>)";
        if (text is null || text.Length < 3 || text[0] != '<' || text[^1] != '>')
        {
            error = $"'{text}' is not a pid: {Expected}.";
            return false;
        }
        var inner = text[1..^1];
        var slash = inner.IndexOf('/');
        if (slash >= 0)
        {
            var kind = inner[..slash];
            if (!IsValidKind(kind))
            {
                error = $"'{text}' is not a pid: '{kind}' is not a process kind (letters, digits, '_', '.', '-', '+', '`' only), {Expected}.";
                return false;
            }
            if (!TryUnescapeKey(inner[(slash + 1)..], out var key))
            {
                error = $"'{text}' is not a pid: the key holds a malformed %-escape, {Expected}.";
                return false;
            }
            pid = new Pid(NodeName.None, 0, 0, kind, key);
            error = "";
            return true;
        }
        var lastDot = inner.LastIndexOf('.');
        var secondDot = lastDot > 0 ? inner.LastIndexOf('.', lastDot - 1) : -1;
        if (secondDot <= 0
            || !NodeName.TryParse(inner[..secondDot], out var node)
            || !long.TryParse(inner.AsSpan(secondDot + 1, lastDot - secondDot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var creation)
            || !long.TryParse(inner.AsSpan(lastDot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || id < MinId)
        {
            error = $"'{text}' is not a pid: {Expected}.";
            return false;
        }
        pid = new Pid(node, creation, id, null, null);
        error = "";
        return true;
    }

    /// <summary>True when <paramref name="kind"/> can name a kind of virtual process.</summary>
    public static bool IsValidKind(string? kind)
    {
        if (string.IsNullOrEmpty(kind))
        {
            return false;
        }
        foreach (var c in kind)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '+' or '`'))
            {
                return false;
            }
        }
        return true;
    }

    private static void ValidateKind(string kind)
    {
        if (!IsValidKind(kind))
        {
            throw new ArgumentException(
                $"'{kind}' cannot name a kind of virtual process: use letters, digits, '_', '.', '-', '+' and '`' only.", nameof(kind));
        }
    }

    /// <summary>Writes the stable text form: <c>&lt;node.creation.id&gt;</c> or <c>&lt;Kind/key&gt;</c>.</summary>
    public override string ToString()
    {
        if (IsVirtual)
        {
            return "<" + Kind + "/" + EscapeKey(Key) + ">";
        }
        return string.Create(CultureInfo.InvariantCulture, $"<{Node.Value}.{Creation}.{Id}>");
    }

    // Keys are free text; '%', '>' and control characters are %-escaped so that the text form always parses back.
    private static string EscapeKey(string key)
    {
        var needs = false;
        foreach (var c in key)
        {
            if (c is '%' or '>' || char.IsControl(c))
            {
                needs = true;
                break;
            }
        }
        if (!needs)
        {
            return key;
        }
        var sb = new StringBuilder(key.Length + 8);
        foreach (var c in key)
        {
            if (c is '%' or '>' || char.IsControl(c))
            {
                sb.Append('%').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static bool TryUnescapeKey(string escaped, [NotNullWhen(true)] out string? key)
    {
        if (!escaped.Contains('%'))
        {
            key = escaped;
            return true;
        }
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '%')
            {
                sb.Append(escaped[i]);
                continue;
            }
            // An escape is '%' followed by exactly four hex digits.
            if (i + 4 >= escaped.Length
                || !ushort.TryParse(escaped.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                key = null;
                return false;
            }
            sb.Append((char)code);
            i += 4;
        }
        key = sb.ToString();
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Pid? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null)
        {
            return false;
        }
        return Kind is null
            ? other.Kind is null && Id == other.Id && Creation == other.Creation && Node == other.Node
            : string.Equals(Kind, other.Kind, StringComparison.Ordinal) && string.Equals(Key, other.Key, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Pid);

    /// <inheritdoc />
    public override int GetHashCode() =>
        Kind is null ? HashCode.Combine(Id, Creation, Node) : HashCode.Combine(StringComparer.Ordinal.GetHashCode(Kind), StringComparer.Ordinal.GetHashCode(Key!));

    /// <summary>Value equality.</summary>
    public static bool operator ==(Pid? left, Pid? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Pid? left, Pid? right) => !(left == right);
}
