using System.Threading.Channels;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A collection of events that test code awaits with deadlines: anything may <see cref="Post"/> to it from any thread
/// (a probe's process, or a process class built by the node that gets the inbox as a service), and
/// <see cref="Expect{T}"/> waits for the first event of a type, keeping the others in arrival order, like a selective
/// receive.
/// </summary>
public sealed class Inbox
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>();
    private readonly List<object> _skipped = [];

    /// <summary>How failures name this inbox.</summary>
    public string Name { get; set; } = "the inbox";

    /// <summary>Adds an event. Safe from any thread; never blocks.</summary>
    public void Post(object message) => _events.Writer.TryWrite(message);

    /// <summary>
    /// Waits for the first event of type <typeparamref name="T"/> that <paramref name="match"/> accepts. Events that
    /// do not match stay for later expectations. Fails with the events seen if none arrives within <paramref name="within"/>.
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
        deadline.CancelAfter(within ?? Probe.DefaultWait);
        try
        {
            while (true)
            {
                var message = await _events.Reader.ReadAsync(deadline.Token);
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
                $"No {typeof(T).Name} matching the expectation arrived at {Name} within {within ?? Probe.DefaultWait}; " +
                $"it holds: [{string.Join(", ", _skipped)}]");
        }
    }

    /// <summary>Waits for the next event, whatever it is (the oldest one not yet expected), and checks that it is <paramref name="expected"/>.</summary>
    public async Task ExpectNext(object expected, TimeSpan? within = null)
    {
        object next;
        if (Unexpected.Count > 0)
        {
            next = _skipped[0];
            _skipped.RemoveAt(0);
        }
        else
        {
            next = await Expect<object>(within: within);
        }
        Assert.Equal(expected, next);
    }

    /// <summary>
    /// Asserts that nothing but <paramref name="marker"/> arrives before <paramref name="marker"/> itself: post the
    /// marker after the event under test from a source whose order relative to it is guaranteed, and this proves
    /// causally (without waiting for time to pass) that the event produced nothing.
    /// </summary>
    public async Task ExpectOnly(object marker, TimeSpan? within = null)
    {
        var skippedBefore = _skipped.Count;
        var received = await Expect<object>(m => Equals(m, marker), within);
        Assert.Equal(marker, received);
        Assert.True(_skipped.Count == skippedBefore,
            $"{Name} received unexpected events before the marker: [{string.Join(", ", _skipped.Skip(skippedBefore))}]");
        Assert.Empty(_skipped);
    }

    /// <summary>The events received but not yet expected.</summary>
    public IReadOnlyList<object> Unexpected
    {
        get
        {
            while (_events.Reader.TryRead(out var message))
            {
                _skipped.Add(message);
            }
            return _skipped;
        }
    }
}
