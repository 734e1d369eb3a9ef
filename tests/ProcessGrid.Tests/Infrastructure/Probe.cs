using System.Threading.Channels;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A process whose inbox test code can await: everything sent to <see cref="Pid"/> is collected, and
/// <see cref="Expect{T}"/> waits (with a deadline, never a sleep) for the first message of a type, keeping the others
/// in arrival order, like a selective receive.
/// </summary>
public sealed class Probe
{
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>();
    private readonly List<object> _skipped = [];

    private Probe(IProcessGrid grid, bool trapExit)
    {
        Grid = grid;
        Pid = grid.Spawn(async ctx =>
        {
            ctx.TrapExit = trapExit;
            while (true)
            {
                _inbox.Writer.TryWrite(await ctx.Receive());
            }
        });
    }

    /// <summary>The probe's process.</summary>
    public Pid Pid { get; }

    /// <summary>The node it runs on.</summary>
    public IProcessGrid Grid { get; }

    /// <summary>Spawns a probe; with <paramref name="trapExit"/> it turns exit signals into messages instead of dying.</summary>
    public static Probe Spawn(IProcessGrid grid, bool trapExit = false) => new(grid, trapExit);

    /// <summary>The default time a probe waits for an expected message.</summary>
    public static TimeSpan DefaultWait => TimeSpan.FromSeconds(10);

    /// <summary>
    /// Waits for the first message of type <typeparamref name="T"/> that <paramref name="match"/> accepts. Messages that
    /// do not match stay for later expectations. Fails with the messages seen if none arrives within <paramref name="within"/>.
    /// </summary>
    public async Task<T> Expect<T>(Func<T, bool>? match = null, TimeSpan? within = null)
    {
        for (var i = 0; i < _skipped.Count; i++)
        {
            if (_skipped[i] is T typed && (match is null || match(typed)))
            {
                _skipped.RemoveAt(i);
                return typed;
            }
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(within ?? DefaultWait);
        try
        {
            while (true)
            {
                var message = await _inbox.Reader.ReadAsync(deadline.Token);
                if (message is T typed && (match is null || match(typed)))
                {
                    return typed;
                }
                _skipped.Add(message);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"No {typeof(T).Name} matching the expectation arrived at probe {Pid} within {within ?? DefaultWait}; " +
                $"it holds: [{string.Join(", ", _skipped)}]");
        }
    }

    /// <summary>
    /// Asserts that nothing but <paramref name="marker"/> arrives before <paramref name="marker"/> itself: send the
    /// marker after the event under test from a sender whose order relative to it is guaranteed, and this proves
    /// causally (without waiting for time to pass) that the event produced no message.
    /// </summary>
    public async Task ExpectOnly(object marker, TimeSpan? within = null)
    {
        var skippedBefore = _skipped.Count;
        var received = await Expect<object>(m => Equals(m, marker), within);
        Assert.Equal(marker, received);
        Assert.True(_skipped.Count == skippedBefore,
            $"Probe {Pid} received unexpected messages before the marker: [{string.Join(", ", _skipped.Skip(skippedBefore))}]");
        Assert.Empty(_skipped);
    }

    /// <summary>The messages received but not yet expected.</summary>
    public IReadOnlyList<object> Unexpected
    {
        get
        {
            while (_inbox.Reader.TryRead(out var message))
            {
                _skipped.Add(message);
            }
            return _skipped;
        }
    }
}
