using System.Buffers;
using System.Collections.Concurrent;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;
using static ProcessGrid.Runtime.Global.DevelopmentGlobalProtocol;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The global table of a node in a development cluster that is not the seed: every operation is a request to the seed
/// (the node at <c>ProcessGrid:Cluster:Join</c>, see <see cref="DevelopmentGlobalServer"/>) over the connection between
/// them, and the seed's snapshot and changes come back over the same connection.
/// </summary>
/// <remarks>
/// <para>Watching: the node subscribes; the seed sends the names it holds, then every change in commit order. When the
/// connection to the seed is lost, the node subscribes again as soon as it can reach the seed, and gets a new
/// snapshot, so a change missed meanwhile is not missed for good. Frames of an earlier subscription are ignored.</para>
/// <para>Failures: when the seed cannot be reached, the connection closes before the seed answers, or the seed does not
/// answer in time, the operation throws <see cref="GlobalRegistryUnavailableException"/> saying so and what to do. In
/// the last two cases whether it took effect is unknown, and the changes heard after the next subscription will tell.</para>
/// </remarks>
internal sealed partial class RemoteGlobalTable(SeedConnection seed, TimeSpan timeout, ILogger logger) : IGlobalTable
{
    /// <summary>The first wait before subscribing again after a failure; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private const string Consequence =
        "Global names and locks cannot be claimed or released until it is back (lookups keep answering from this node's copy). " +
        "A development cluster lives as long as its seed: start it again, or give the nodes a PostgreSQL database (ProcessGrid:Cluster:Database), " +
        "which has no such single point of failure.";

    /// <summary>The requests waiting for their answers, by correlation.</summary>
    private readonly ConcurrentDictionary<long, Pending> _pending = new();

    /// <summary>The connections whose closing fails the requests sent on them (each is watched once).</summary>
    private readonly ConcurrentDictionary<PeerConnection, byte> _watched = new();

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Guards the subscription fields below, and orders what reaches the observer.</summary>
    private readonly Lock _subscriptionGate = new();

    private IGlobalTableObserver? _observer;

    /// <summary>The current subscription (the correlation of its request); frames of any other are stale.</summary>
    private long _subscription;

    /// <summary>The snapshot of the current subscription, as its parts arrive.</summary>
    private List<GlobalChange>? _snapshot;

    private Task? _watching;
    private long _nextCorrelation;

    /// <inheritdoc />
    public void Watch(IGlobalTableObserver observer)
    {
        _observer = observer;
        _watching = Task.Run(() => WatchLoopAsync(_stopping.Token));
    }

    /// <inheritdoc />
    public async Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        await AskAsync($"the claim of {Describe(kind, name)}", c => Claim(c, kind, name, pid, resolve), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<long?> ReplaceAsync(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve, CancellationToken cancellationToken)
    {
        var outcome = await AskAsync($"handing {Describe(kind, name)} to {pid}", c => Replace(c, kind, name, expectedSeq, pid, resolve), cancellationToken).ConfigureAwait(false);
        return outcome.Status == GlobalClaimStatus.Granted ? outcome.Seq : null;
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken) =>
        (await AskAsync($"the release of {Describe(kind, name)}", c => Release(c, kind, name, pid, expectedSeq), cancellationToken).ConfigureAwait(false)).Status
        == GlobalClaimStatus.Granted;

    /// <inheritdoc />
    public async Task ReleaseNodeAsync(NodeName node, long creation, CancellationToken cancellationToken) =>
        await AskAsync($"the release of the names and locks of {node} (creation {creation})", c => ReleaseNode(c, node, creation), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watching is { } watching)
        {
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stopping.Dispose();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Frames from the seed (on the connection's reader)
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Delivers the seed's answer to the request waiting for it (a late one, after a timeout, is dropped).</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public void OnAnswer(ReadOnlySequence<byte> payload)
    {
        var answer = ReadAnswer(payload);
        if (_pending.TryRemove(answer.Correlation, out var pending))
        {
            pending.Answer.TrySetResult(answer);
        }
        else
        {
            LogUnmatchedAnswer(logger, answer.Correlation, answer.Error ?? answer.Outcome.Status.ToString());
        }
    }

    /// <summary>Takes in a part of the current subscription's snapshot; the last part goes to the observer.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public void OnSnapshot(ReadOnlySequence<byte> payload)
    {
        var (subscription, last, claims) = ReadSnapshotPart(payload);
        lock (_subscriptionGate)
        {
            if (subscription != _subscription || _snapshot is not { } snapshot)
            {
                return;
            }
            snapshot.AddRange(claims);
            if (last)
            {
                _snapshot = null;
                _observer?.OnSnapshot(snapshot);
            }
        }
    }

    /// <summary>Passes a change of the current subscription on to the observer.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public void OnChange(ReadOnlySequence<byte> payload)
    {
        var (subscription, change) = ReadChange(payload);
        lock (_subscriptionGate)
        {
            // The seed sends the whole snapshot before any change, so a change is taken only once the snapshot is in.
            if (subscription == _subscription && _snapshot is null)
            {
                _observer?.OnChange(change);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Subscribing
    // ------------------------------------------------------------------------------------------------------------

    private async Task WatchLoopAsync(CancellationToken stopping)
    {
        var delay = MinRetryDelay;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await ConnectAsync(stopping).ConfigureAwait(false);
                var correlation = Interlocked.Increment(ref _nextCorrelation);
                lock (_subscriptionGate)
                {
                    _subscription = correlation;
                    _snapshot = [];
                }
                await ExchangeAsync(connection, correlation, Subscribe(correlation), "a subscription to the global table", stopping).ConfigureAwait(false);
                LogSubscribed(logger, connection.Remote.Name);
                delay = MinRetryDelay;
                var why = await connection.Closed.WaitAsync(stopping).ConfigureAwait(false);
                LogSubscriptionLost(logger, connection.Remote.Name, why);
                continue; // At once: the connection may be open again already (or was replaced by one the seed opened).
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (GlobalRegistryUnavailableException error)
            {
                LogSubscribeFailed(logger, delay, error.Message);
            }
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Requests
    // ------------------------------------------------------------------------------------------------------------

    private async Task<GlobalClaimOutcome> AskAsync(string what, Func<long, FrameBuilder> request, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        return await ExchangeAsync(connection, correlation, request(correlation), what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request on <paramref name="connection"/> and waits for its answer.</summary>
    private async Task<GlobalClaimOutcome> ExchangeAsync(PeerConnection connection, long correlation, FrameBuilder frame, string what, CancellationToken cancellationToken)
    {
        var seedName = connection.Remote.Name;
        var pending = new Pending(connection);
        _pending[correlation] = pending;
        try
        {
            if (!connection.Send(frame))
            {
                frame.Release();
                throw new GlobalRegistryUnavailableException(
                    $"The connection to the seed node {seedName} closed before {what} was sent, so nothing was changed. {Consequence}");
            }
            if (!connection.IsOpen)
            {
                FailPending(connection); // Closed meanwhile: its watch may have failed the pending requests before this one was among them.
            }
            Answer answer;
            try
            {
                answer = await pending.Answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new GlobalRegistryUnavailableException(
                    $"The seed node {seedName} did not answer {what} within {timeout}: whether it took effect is unknown (this node's copy of the names will tell). {Consequence}");
            }
            return answer.Error is { } error
                ? throw new GlobalRegistryUnavailableException($"The seed node {seedName} could not do {what}: {error}")
                : answer.Outcome;
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }

    /// <summary>The open connection to the seed; a new one is watched so that its loss fails what waits on it at once.</summary>
    private async Task<PeerConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        PeerConnection connection;
        try
        {
            connection = await seed.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectFailedException error)
        {
            throw new GlobalRegistryUnavailableException(
                $"The seed node at {seed.Endpoint} (ProcessGrid:Cluster:Join), which keeps this development cluster's global names and locks, cannot be reached: {error.Message}. " +
                $"Nothing was changed. {Consequence}", error);
        }
        if (_watched.TryAdd(connection, 0))
        {
            _ = connection.Closed.ContinueWith(
                static (closing, state) =>
                {
                    var (table, closed) = ((RemoteGlobalTable, PeerConnection))state!;
                    table._watched.TryRemove(closed, out _);
                    table.FailPending(closed);
                },
                (this, connection), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return connection;
    }

    /// <summary>Fails the requests sent on <paramref name="closed"/>: their answers cannot come any more.</summary>
    private void FailPending(PeerConnection closed)
    {
        foreach (var (correlation, pending) in _pending)
        {
            if (ReferenceEquals(pending.Connection, closed) && _pending.TryRemove(correlation, out _))
            {
                pending.Answer.TrySetException(new GlobalRegistryUnavailableException(
                    $"The connection to the seed node {closed.Remote.Name} closed before it answered: whether the request took effect is unknown " +
                    $"(this node's copy of the names will tell once the seed is reached again). {Consequence}"));
            }
        }
    }

    private static string Describe(GlobalKind kind, string name) => kind == GlobalKind.Name ? $"global name '{name}'" : $"global lock '{name}'";

    /// <summary>A request waiting for its answer, and the connection it went out on.</summary>
    private sealed class Pending(PeerConnection connection)
    {
        public PeerConnection Connection => connection;

        public TaskCompletionSource<Answer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "An answer of the seed node matched no waiting request (it came after its timeout, or was never asked for): request {Correlation}, {Answer}")]
    private static partial void LogUnmatchedAnswer(ILogger logger, long correlation, string answer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to the global table kept by the seed node {Seed}")]
    private static partial void LogSubscribed(ILogger logger, NodeName seed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to the seed node {Seed}, which keeps the global table ({Reason}); subscribing again (lookups answer from this node's copy meanwhile)")]
    private static partial void LogSubscriptionLost(ILogger logger, NodeName seed, DisconnectReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the global table of the seed node; trying again in {Delay}: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, TimeSpan delay, string reason);
}
