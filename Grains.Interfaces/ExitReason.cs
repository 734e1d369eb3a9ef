namespace ProcessGrid;

/// <summary>
/// Why a process exited, or why an operation on a process failed: Erlang's exit reasons as a value.
/// </summary>
/// <remarks>
/// Reasons compare by value. <see cref="Normal"/> is the only reason a linked process that does not trap exits
/// ignores; <see cref="Kill"/> is the only one that cannot be trapped. A reason built from an exception keeps the
/// exception's type name and message (which cross nodes) and, on the node where it happened, the exception itself
/// (<see cref="Exception"/>) for its stack trace.
/// </remarks>
public sealed class ExitReason : IEquatable<ExitReason>
{
    private ExitReason(ExitReasonKind kind, string? detail = null, string? exceptionType = null, Exception? exception = null)
    {
        Kind = kind;
        Detail = detail;
        ExceptionType = exceptionType;
        Exception = exception;
    }

    /// <summary>The kind of reason.</summary>
    public ExitReasonKind Kind { get; }

    /// <summary>
    /// The detail text: the exception message for <see cref="ExitReasonKind.Exception"/>, the term for
    /// <see cref="ExitReasonKind.Custom"/>, the detail of <c>{shutdown, Detail}</c>, the node of <c>{nodedown, Node}</c>.
    /// </summary>
    public string? Detail { get; }

    /// <summary>For <see cref="ExitReasonKind.Exception"/>: the full name of the exception's type.</summary>
    public string? ExceptionType { get; }

    /// <summary>For <see cref="ExitReasonKind.Exception"/> on the node where it was thrown: the exception itself.</summary>
    public Exception? Exception { get; }

    /// <summary><c>normal</c>.</summary>
    public static ExitReason Normal { get; } = new(ExitReasonKind.Normal);

    /// <summary><c>shutdown</c>.</summary>
    public static ExitReason Shutdown { get; } = new(ExitReasonKind.Shutdown);

    /// <summary><c>kill</c>: an untrappable exit signal.</summary>
    public static ExitReason Kill { get; } = new(ExitReasonKind.Kill);

    /// <summary><c>killed</c>: the reason of a process that received <see cref="Kill"/>.</summary>
    public static ExitReason Killed { get; } = new(ExitReasonKind.Killed);

    /// <summary><c>noproc</c>.</summary>
    public static ExitReason NoProc { get; } = new(ExitReasonKind.NoProc);

    /// <summary><c>noconnection</c>.</summary>
    public static ExitReason NoConnection { get; } = new(ExitReasonKind.NoConnection);

    /// <summary><c>timeout</c>.</summary>
    public static ExitReason Timeout { get; } = new(ExitReasonKind.Timeout);

    /// <summary><c>{shutdown, Detail}</c>: an orderly stop with a detail; supervisors treat it like <see cref="Shutdown"/>.</summary>
    public static ExitReason ShutdownWith(string detail) => new(ExitReasonKind.Shutdown, detail);

    /// <summary><c>{nodedown, Node}</c>.</summary>
    public static ExitReason NodeDown(NodeName node) => new(ExitReasonKind.NodeDown, node.Value);

    /// <summary>An arbitrary reason, given as text (Erlang's <c>exit(Pid, my_reason)</c>).</summary>
    public static ExitReason Custom(string term)
    {
        ArgumentException.ThrowIfNullOrEmpty(term);
        return new(ExitReasonKind.Custom, term);
    }

    /// <summary>The reason of a process that threw <paramref name="exception"/>.</summary>
    public static ExitReason FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(ExitReasonKind.Exception, exception.Message, exception.GetType().FullName, exception);
    }

    /// <summary>A reason for an exception known only by its type name and message (as received from another node).</summary>
    public static ExitReason FromException(string exceptionType, string message) =>
        new(ExitReasonKind.Exception, message, exceptionType);

    /// <summary>Rebuilds a reason from its parts (the inverse of <see cref="Kind"/>, <see cref="Detail"/>, <see cref="ExceptionType"/>).</summary>
    public static ExitReason FromParts(ExitReasonKind kind, string? detail, string? exceptionType) => kind switch
    {
        ExitReasonKind.Normal => Normal,
        ExitReasonKind.Shutdown => detail is null ? Shutdown : ShutdownWith(detail),
        ExitReasonKind.Kill => Kill,
        ExitReasonKind.Killed => Killed,
        ExitReasonKind.NoProc => NoProc,
        ExitReasonKind.NoConnection => NoConnection,
        ExitReasonKind.Timeout => Timeout,
        ExitReasonKind.NodeDown => new(ExitReasonKind.NodeDown, detail),
        ExitReasonKind.Exception => new(ExitReasonKind.Exception, detail ?? "", exceptionType ?? typeof(Exception).FullName),
        ExitReasonKind.Custom => new(ExitReasonKind.Custom, detail ?? "?"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown exit reason kind."),
    };

    /// <summary>True for <c>normal</c>, <c>shutdown</c> and <c>{shutdown, _}</c>: the reasons a supervisor does not report as errors.</summary>
    public bool IsNormalOrShutdown => Kind is ExitReasonKind.Normal or ExitReasonKind.Shutdown;

    /// <inheritdoc />
    public bool Equals(ExitReason? other) =>
        other is not null && Kind == other.Kind && Detail == other.Detail && ExceptionType == other.ExceptionType;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ExitReason);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Detail, ExceptionType);

    /// <summary>Value equality.</summary>
    public static bool operator ==(ExitReason? left, ExitReason? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(ExitReason? left, ExitReason? right) => !(left == right);

    /// <summary>The reason in Erlang's notation: <c>normal</c>, <c>{shutdown,Detail}</c>, <c>{exception,Type,Message}</c>, ...</summary>
    public override string ToString() => Kind switch
    {
        ExitReasonKind.Normal => "normal",
        ExitReasonKind.Shutdown => Detail is null ? "shutdown" : $"{{shutdown,{Detail}}}",
        ExitReasonKind.Kill => "kill",
        ExitReasonKind.Killed => "killed",
        ExitReasonKind.NoProc => "noproc",
        ExitReasonKind.NoConnection => "noconnection",
        ExitReasonKind.NodeDown => $"{{nodedown,{Detail}}}",
        ExitReasonKind.Timeout => "timeout",
        ExitReasonKind.Exception => $"{{exception,{ExceptionType},\"{Detail}\"}}",
        _ => Detail ?? "?",
    };
}
