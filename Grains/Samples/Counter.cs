namespace ProcessGrid.Samples;

/// <summary>
/// A named counter, the smallest useful virtual process: <c>grid.Virtual&lt;Counter&gt;("visits")</c> is the same
/// counter from every node of the cluster, activated on first use on the node its key hashes to and activated again on
/// a survivor if that node dies. Its count lives in memory only, so a new activation starts from zero.
/// </summary>
/// <remarks>Every silo can activate it (the silo registers the samples), so it is handy for trying a cluster out.</remarks>
[VirtualProcess(Kind = "counter")]
public sealed class Counter : GenServer
{
    private long _count;

    /// <summary>Adds <paramref name="Amount"/> (which may be negative); the reply is the new count.</summary>
    public sealed record Add(long Amount);

    /// <summary>Asks for the count.</summary>
    public sealed record Get;

    /// <summary>Asks which node the counter runs on; the reply is a <see cref="NodeName"/>.</summary>
    public sealed record Locate;

    /// <inheritdoc />
    protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
    {
        Add add => new(_count += add.Amount),
        Get => new(_count),
        Locate => new(Context.Grid.Node),
        _ => throw new ArgumentException($"A counter answers {nameof(Add)}, {nameof(Get)} and {nameof(Locate)}, not {request.GetType().Name}.", nameof(request)),
    };

    /// <inheritdoc />
    protected override ValueTask HandleCastAsync(object message)
    {
        if (message is not Add add)
        {
            return base.HandleCastAsync(message);
        }
        _count += add.Amount;
        return ValueTask.CompletedTask;
    }
}
