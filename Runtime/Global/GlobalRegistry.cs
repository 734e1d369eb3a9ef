using System.Collections.Concurrent;
using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The global name registry of one node (Erlang's <c>global</c>): cluster-wide names and locks with one holder at any
/// moment, decided by a linearizable table and answered locally.
/// </summary>
/// <remarks>
/// <para>How it differs from Erlang's global, and why. Erlang's nodes agree on names among themselves, taking a
/// cluster-wide lock for every registration and merging their tables when partitions meet, so a split lets each side
/// register the same name and the resolve function picks a survivor afterwards. Here the claim is decided by the
/// cluster's database (<see cref="IGlobalTable"/>; in a development cluster, the table its seed keeps in memory), fenced
/// by the claimant node's identity in the membership table: a name has one holder even across a split, a registration
/// costs one round trip instead of a lock round across the cluster, and a node declared dead loses its names in the
/// same moment its membership row says Dead.</para>
/// <para>The protocol:</para>
/// <list type="bullet">
/// <item>Register: the claim goes to the table, which grants it, or names the live holder. Granted: this node's copy
/// takes it in at once (a node reads its own writes), and the holder is watched; its exit releases the name.</item>
/// <item>Conflict: when the holder's claim is newer than anything this node had heard of the name when it asked, the
/// two claims were made without knowledge of each other (Erlang's partitions meeting): the resolve method stored with
/// the holder's claim, else the claimant's, picks who keeps the name, and the table hands it over only if the holder's
/// claim is still the same. Without a method, or when the holder was known, the claimant simply gets false.</item>
/// <item>Lookups answer from <see cref="GlobalNameCache"/>, fed by the table's notifications in commit order, while
/// this node reaches the majority of its cluster. A node cut off from the majority stops answering before the others
/// can declare it dead (see <see cref="Membership.MembershipService.ReachesMajority"/>), so the old and the new holder
/// of a name handed on across a split never both answer for it.</item>
/// <item>Node death: every node drops the dead node's names from its copy at once, and releases them in the table (an
/// idempotent delete; the table already ignores them).</item>
/// <item>Locks: claims of a second kind, held by a process until released or until it exits or its node dies; a
/// waiter tries again when a lock is released (heard by notification), with a periodic retry as a safety net.</item>
/// </list>
/// </remarks>
internal sealed partial class GlobalRegistry : IGlobalRegistry, IAsyncDisposable
{
    /// <summary>The longest name: a change notification carries it, and PostgreSQL limits notifications to 8000 bytes.</summary>
    public const int MaxNameLength = 1000;

    /// <summary>How long a lock waiter waits for a release notification before it asks the table again anyway.</summary>
    private static readonly TimeSpan LockRetryInterval = TimeSpan.FromSeconds(1);

    private readonly ProcessNode _node;
    private readonly IGlobalTable? _table;
    private readonly string? _unavailable;
    private readonly ILogger _logger;
    private readonly GlobalNameCache _cache;
    private readonly ConcurrentDictionary<string, Func<string, Pid, Pid, Pid?>> _resolvers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _lockWaiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The names held by this node's processes, with their watches (so that an unregistered name stops watching).</summary>
    private readonly ConcurrentDictionary<string, HolderWatch> _heldHere = new(StringComparer.Ordinal);

    /// <summary>Creates the registry of <paramref name="node"/> over <paramref name="table"/>, or, when there is none, one that says why in <paramref name="unavailable"/>.</summary>
    public GlobalRegistry(ProcessNode node, IGlobalTable? table, string? unavailable)
    {
        _node = node;
        _table = table;
        _unavailable = unavailable;
        _logger = node.LoggerFactory.CreateLogger("ProcessGrid.Global");
        _cache = new GlobalNameCache(node);
        _cache.LockReleased += WakeLockWaiters;
        _cache.NameReleased += StopHolding;
        _cache.NameClaimed += WatchAnyHolderHere;
    }

    /// <summary>The table claims go to (null when there is none): tests use it to claim as if an answer had been lost.</summary>
    internal IGlobalTable? Table => _table;

    /// <summary>Completes when this node's copy of the names has been loaded (at once without a table).</summary>
    public Task Loaded => _table is null ? Task.CompletedTask : _cache.Loaded;

    /// <summary>Starts hearing the table.</summary>
    public void Start() => _table?.Watch(_cache);

    // ------------------------------------------------------------------------------------------------------------
    // Names
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public ValueTask<bool> Register(string name, Pid pid, GlobalResolve? resolve = null) => Register(name, pid, resolve, unaware: false);

    /// <summary>
    /// <see cref="Register(string, Pid, GlobalResolve?)"/>; with <paramref name="unaware"/>, as a claim made before this
    /// node heard of any holder of the name (the situation of two claims meeting, made deterministic for tests).
    /// </summary>
    internal async ValueTask<bool> Register(string name, Pid pid, GlobalResolve? resolve, bool unaware)
    {
        RequireName(name);
        var cell = RequireLocalProcess(pid, $"register '{name}' for");
        var table = RequireAvailable();
        var known = unaware ? 0 : _cache.Find(name)?.Seq ?? 0;
        var outcome = await table.ClaimAsync(GlobalKind.Name, name, pid, resolve?.Method, _stopping.Token).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case GlobalClaimStatus.Granted:
                HoldName(name, cell, outcome.Seq, outcome.HolderResolve);
                return true;
            case GlobalClaimStatus.NotAMember:
                throw NotAMember($"register '{name}'");
        }
        var method = outcome.HolderResolve ?? resolve?.Method;
        if (method is null || outcome.Seq <= known)
        {
            // The table named a committed holder: this node's copy learns it now rather than at its notification.
            _cache.Claimed(name, _node.ParsePid(outcome.HolderPid!), outcome.Seq, outcome.HolderResolve);
            return false;
        }
        return await ResolveAsync(name, cell, resolve, outcome, method).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> Unregister(string name)
    {
        RequireName(name);
        var table = RequireAvailable();
        var entry = _cache.Find(name);
        var released = await table.ReleaseAsync(GlobalKind.Name, name, null, null, _stopping.Token).ConfigureAwait(false);
        if (entry is not null)
        {
            _cache.Released(name, entry.Seq);
        }
        if (_heldHere.TryRemove(name, out var watch))
        {
            watch.Detach();
        }
        return released;
    }

    /// <inheritdoc />
    public Pid? Whereis(string name) =>
        (_node.Membership?.ReachesMajority ?? true) && _cache.Find(name) is { } entry ? entry.Pid : null;

    /// <inheritdoc />
    public IReadOnlyList<string> Registered() => (_node.Membership?.ReachesMajority ?? true) ? _cache.Names : [];

    /// <inheritdoc />
    public void Send(string name, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var pid = Whereis(name) ?? throw NotRegistered(name);
        _node.Send(pid, message);
    }

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(string name, object request, TimeSpan? timeout = null) =>
        Whereis(name) is { } pid
            ? _node.Call<TReply>(pid, request, timeout)
            : ValueTask.FromException<TReply>(new CallException(null, ExitReason.NoProc));

    /// <inheritdoc />
    public void AddResolver(string name, Func<string, Pid, Pid, Pid?> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        _resolvers[GlobalResolve.Named(name).Method] = resolve;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Locks
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public async ValueTask<GlobalLock?> Lock(string resource, Pid holder, TimeSpan timeout)
    {
        RequireName(resource);
        var cell = RequireLocalProcess(holder, $"lock '{resource}' for");
        var table = RequireAvailable();
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            // Listen for a release before asking, so that one committed in between is not missed.
            var released = _lockWaiters.GetOrAdd(resource, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var outcome = await table.ClaimAsync(GlobalKind.Lock, resource, holder, null, _stopping.Token).ConfigureAwait(false);
            switch (outcome.Status)
            {
                case GlobalClaimStatus.Granted:
                    var watch = HoldLock(resource, cell, outcome.Seq);
                    return new HeldGlobalLock(resource, holder, watch);
                case GlobalClaimStatus.NotAMember:
                    throw NotAMember($"lock '{resource}'");
            }
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return null;
            }
            await Task.WhenAny(released.Task, Task.Delay(TimeSpan.FromMilliseconds(Math.Min(left, LockRetryInterval.TotalMilliseconds)), _stopping.Token)).ConfigureAwait(false);
            _stopping.Token.ThrowIfCancellationRequested();
        }
    }

    /// <inheritdoc />
    public async Task<T> Transaction<T>(string resource, Pid holder, Func<Task<T>> body, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(body);
        var held = await Lock(resource, holder, timeout).ConfigureAwait(false)
            ?? throw new TimeoutException($"The global lock '{resource}' was not free within {timeout}: another process held it; the transaction did not run.");
        await using (held.ConfigureAwait(false))
        {
            return await body().ConfigureAwait(false);
        }
    }

    private void WakeLockWaiters(string resource)
    {
        if (_lockWaiters.TryRemove(resource, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Holding, conflicts, node death
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Records a granted claim of a name: in this node's copy, and with a watch that releases it when its holder exits.</summary>
    private void HoldName(string name, ProcessCell cell, long seq, string? resolve)
    {
        _cache.Claimed(name, cell.Self, seq, resolve);
        // Null when the name has moved on to a newer claim meanwhile: this one ended, and there is nothing to watch for.
        _ = WatchName(name, cell, seq);
    }

    /// <summary>Records a granted lock: a watch that releases it when its holder exits (and that its handle releases).</summary>
    private HolderWatch HoldLock(string resource, ProcessCell cell, long seq)
    {
        var watch = new HolderWatch(this, GlobalKind.Lock, resource, cell, seq, _node.NewMonitorRef().Value);
        if (!cell.AddWatcher(watch.MonitorRef, watch))
        {
            // It exited while the claim was on its way: nothing will report that exit any more, so release now.
            watch.OnWatchedExit(ExitReason.NoProc);
        }
        return watch;
    }

    /// <summary>
    /// Makes sure claim <paramref name="seq"/> of <paramref name="name"/>, held by <paramref name="cell"/>, is watched
    /// once: the watch in place if it is for that claim, else a new one that replaces a watch for an older claim (a
    /// conflict resolved in this claim's favour). Null when a newer claim of the name is already watched here.
    /// </summary>
    private HolderWatch? WatchName(string name, ProcessCell cell, long seq)
    {
        while (true)
        {
            var current = _heldHere.TryGetValue(name, out var existing) ? existing : null;
            if (current is not null && current.Seq >= seq)
            {
                return current.Seq == seq ? current : null;
            }
            var watch = new HolderWatch(this, GlobalKind.Name, name, cell, seq, _node.NewMonitorRef().Value);
            if (current is null ? !_heldHere.TryAdd(name, watch) : !_heldHere.TryUpdate(name, watch, current))
            {
                continue; // Another claim's watch came in between: look again.
            }
            current?.Detach();
            if (!cell.AddWatcher(watch.MonitorRef, watch))
            {
                // It exited while the claim was on its way: nothing will report that exit any more, so release now.
                watch.OnWatchedExit(ExitReason.NoProc);
            }
            else if (watch.IsEnded)
            {
                cell.RemoveWatcher(watch.MonitorRef); // replaced by a newer claim's watch before it was in place
            }
            return watch;
        }
    }

    /// <summary>
    /// The table reports claim <paramref name="seq"/> of <paramref name="name"/> for <paramref name="holder"/>: if the
    /// holder is (or was) a process of this node, it is watched so that its exit releases the name, also when the claim
    /// committed but its answer was lost (the database or the seed went away at that moment) and the claimant saw an error.
    /// </summary>
    private void WatchAnyHolderHere(string name, Pid holder, long seq)
    {
        if (holder.IsVirtual || holder.Node != _node.Node || holder.Creation != _node.Creation)
        {
            return;
        }
        if (_node.Router.FindSpawned(holder) is { } cell)
        {
            WatchName(name, cell, seq);
        }
        else
        {
            // Its holder is gone already: the claim outlived it, so end it.
            _ = Release(GlobalKind.Name, name, holder, seq);
        }
    }

    /// <summary>
    /// Claim <paramref name="seq"/> of <paramref name="name"/> ended in the table (unregistered from any node, or released
    /// by its holder's exit): if its holder runs here, the watch that would release it at the holder's exit goes away.
    /// </summary>
    private void StopHolding(string name, long seq)
    {
        if (_heldHere.TryGetValue(name, out var watch) && watch.Seq == seq && _heldHere.TryRemove(new KeyValuePair<string, HolderWatch>(name, watch)))
        {
            watch.Detach();
        }
    }

    /// <summary>Ends claim <paramref name="seq"/> of <paramref name="name"/> (its holder exited, or released it); retried until the table takes it.</summary>
    internal Task Release(GlobalKind kind, string name, Pid holder, long seq)
    {
        if (kind == GlobalKind.Name)
        {
            _cache.Released(name, seq);
            if (_heldHere.TryGetValue(name, out var watch) && watch.Seq == seq)
            {
                _heldHere.TryRemove(new KeyValuePair<string, HolderWatch>(name, watch));
            }
        }
        return ReleaseEventuallyAsync(kind, name, holder, seq);
    }

    /// <summary>Releases a claim in the table, retrying while the table is unreachable, until it succeeds or the node stops.</summary>
    internal async Task ReleaseEventuallyAsync(GlobalKind kind, string name, Pid holder, long seq)
    {
        if (_table is not { } table)
        {
            return;
        }
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await table.ReleaseAsync(kind, name, holder, seq, _stopping.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (GlobalRegistryUnavailableException error)
            {
                LogReleaseRetry(_logger, kind, name, holder, delay, error.Message);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private async ValueTask<bool> ResolveAsync(string name, ProcessCell mine, GlobalResolve? resolve, GlobalClaimOutcome outcome, string method)
    {
        var pid = mine.Self;
        var holder = _node.ParsePid(outcome.HolderPid!);
        Pid? winner = method switch
        {
            "random_exit_name" or "random_notify_name" => Random.Shared.Next(2) == 0 ? holder : pid,
            "notify_all_names" => null,
            _ when _resolvers.TryGetValue(method, out var function) => function(name, holder, pid),
            _ => throw new InvalidOperationException(
                $"Global name '{name}' is claimed at the same time by {holder} and {pid}, and its resolve method '{method}' is not known on {_node.Node}: " +
                $"add it on every node with grid.Global.AddResolver(\"{method}\", ...). Nothing was changed."),
        };
        LogConflict(_logger, name, holder, pid, method, winner);
        if (winner == pid)
        {
            var seq = await _table!.ReplaceAsync(GlobalKind.Name, name, outcome.Seq, pid, resolve?.Method ?? outcome.HolderResolve, _stopping.Token).ConfigureAwait(false);
            if (seq is not { } granted)
            {
                return false; // The holder changed meanwhile: that is a new situation, and this claim lost to it.
            }
            HoldName(name, mine, granted, resolve?.Method ?? outcome.HolderResolve);
            DealWithLoser(method, name, holder);
            return true;
        }
        if (winner == holder)
        {
            DealWithLoser(method, name, pid);
            return false;
        }
        if (winner is not null)
        {
            throw new InvalidOperationException($"The resolve function '{method}' for global name '{name}' returned {winner}, which is neither claimant ({holder}, {pid}): it must return one of them or null.");
        }
        await _table!.ReleaseAsync(GlobalKind.Name, name, null, outcome.Seq, _stopping.Token).ConfigureAwait(false);
        if (method == "notify_all_names")
        {
            _node.Send(holder, new GlobalNameConflict(name, pid));
            _node.Send(pid, new GlobalNameConflict(name, holder));
        }
        return false;
    }

    private void DealWithLoser(string method, string name, Pid loser)
    {
        switch (method)
        {
            case "random_exit_name":
                _node.Exit(loser, ExitReason.Kill);
                break;
            case "random_notify_name":
                _node.Send(loser, new GlobalNameConflict(name, null));
                break;
        }
    }

    /// <summary>The node <paramref name="dead"/> of creation <paramref name="creation"/> was declared dead (or left): its names and locks are void.</summary>
    public void OnNodeDead(NodeName dead, long creation)
    {
        _cache.DropNode(dead, creation);
        foreach (var resource in _lockWaiters.Keys)
        {
            WakeLockWaiters(resource);
        }
        if (_table is { } table)
        {
            _ = ReleaseNodeAsync(table, dead, creation);
        }
    }

    private async Task ReleaseNodeAsync(IGlobalTable table, NodeName dead, long creation)
    {
        try
        {
            await table.ReleaseNodeAsync(dead, creation, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is GlobalRegistryUnavailableException or OperationCanceledException or ObjectDisposedException)
        {
            // The table ignores a dead node's claims anyway; the next node to hear of the death (or the next claim) cleans up.
            LogNodeReleaseFailed(_logger, dead, creation, error.Message);
        }
    }

    /// <summary>Stops hearing the table and closes it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_table is not null)
        {
            await _table.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks and errors
    // ------------------------------------------------------------------------------------------------------------

    private static void RequireName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength)
        {
            throw new ArgumentException($"A global name or lock is at most {MaxNameLength} characters; this one has {name.Length}.", nameof(name));
        }
    }

    private ProcessCell RequireLocalProcess(Pid pid, string action)
    {
        ArgumentNullException.ThrowIfNull(pid);
        if (pid.IsVirtual || pid.Node != _node.Node || pid.Creation != _node.Creation || _node.Router.FindSpawned(pid) is not { } cell)
        {
            throw new ArgumentException(
                $"Cannot {action} {pid}: it is not a live process of this node ({_node.Node}). Register or lock from the node the process runs on " +
                "(usually from the process itself); a virtual process needs no global name, its pid already names it cluster-wide.", nameof(pid));
        }
        return cell;
    }

    private IGlobalTable RequireAvailable()
    {
        if (_table is not { } table)
        {
            throw new GlobalRegistryUnavailableException(_unavailable!);
        }
        if (!(_node.Membership?.ReachesMajority ?? true))
        {
            throw new GlobalRegistryUnavailableException(
                $"Node {_node.Node} is cut off from the majority of its cluster: it cannot claim global names or locks until contact returns (or the cluster declares it dead). Nothing was changed.");
        }
        return table;
    }

    private GlobalRegistryUnavailableException NotAMember(string action) => new(
        $"Cannot {action}: node {_node.Node} (creation {_node.Creation}) is not an active member of its cluster in the membership table " +
        "(it has not finished joining, is leaving, or was declared dead). Nothing was changed.");

    private NameNotRegisteredException NotRegistered(string name) => new(name,
        (_node.Membership?.ReachesMajority ?? true)
            ? $"No process is registered as global name '{name}'. Register it first (grid.Global.Register) or check with grid.Global.Whereis."
            : $"Global name '{name}' cannot be resolved on {_node.Node}: this node is cut off from the majority of its cluster, so it does not answer for global names until contact returns.");

    /// <summary>Releases a claim when its holder exits (a monitor of the holder, without a process of its own).</summary>
    internal sealed class HolderWatch(GlobalRegistry registry, GlobalKind kind, string name, ProcessCell holder, long seq, long monitorRef) : IExitWatcher
    {
        private int _done;

        /// <summary>The claim's number.</summary>
        public long Seq => seq;

        /// <summary>Whether the watch has ended (released or detached).</summary>
        public bool IsEnded => Volatile.Read(ref _done) != 0;

        /// <summary>The key of this watch among the holder's monitors.</summary>
        public long MonitorRef => monitorRef;

        /// <summary>Releases the claim now, once, and stops watching the holder; completes when the table has taken it.</summary>
        public Task ReleaseOnce()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return Task.CompletedTask;
            }
            holder.RemoveWatcher(monitorRef);
            return registry.Release(kind, name, holder.Self, seq);
        }

        /// <summary>Stops watching the holder without releasing anything (the claim ended some other way).</summary>
        public void Detach()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                holder.RemoveWatcher(monitorRef);
            }
        }

        /// <inheritdoc />
        public void OnWatchedExit(ExitReason reason)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _ = registry.Release(kind, name, holder.Self, seq);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release global {Kind} '{Name}' of {Holder} yet; retrying in {Delay}: {Reason}")]
    private static partial void LogReleaseRetry(ILogger logger, GlobalKind kind, string name, Pid holder, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Global name '{Name}' was claimed at the same time by {Holder} and {Claimant}; resolved by {Method}: {Winner} keeps it")]
    private static partial void LogConflict(ILogger logger, string name, Pid holder, Pid claimant, string method, Pid? winner);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not release the global names of {Node} (creation {Creation}) now: {Reason}")]
    private static partial void LogNodeReleaseFailed(ILogger logger, NodeName node, long creation, string reason);
}
