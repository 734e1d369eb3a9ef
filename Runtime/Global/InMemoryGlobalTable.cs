namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The global table kept in a node's memory: for a node on its own (not distributed), and on the seed of a development
/// cluster, whose other nodes reach it through <see cref="DevelopmentGlobalServer"/>. Same rules as the PostgreSQL
/// table (see <see cref="IGlobalTable"/>), fenced by the membership table beside it.
/// </summary>
/// <remarks>
/// <para>Fencing. Every operation runs under the lock of its <see cref="IGlobalFence"/>, which on the seed is the lock
/// of the membership table itself. A claim's check that its node is Joining or Active and its commit therefore happen
/// with no membership write between them. A death declaration is such a write: it comes either before the check (the
/// claim fails) or after the commit, so no claim commits after its node's death, as with the share lock the PostgreSQL
/// table takes on the claimant's membership row.</para>
/// <para>Void claims. A holder whose node membership records as dead holds nothing: the next claim of the name
/// replaces it, and snapshots leave it out. It is removed for good by <see cref="ReleaseNodeAsync"/>, which the nodes
/// ask for when they hear of the death.</para>
/// <para>Order. Claims are numbered from one counter, so the numbers of one name grow in commit order. Each observer
/// gets a snapshot when it starts watching and then every change, under the same lock, so in commit order and
/// following on from the snapshot.</para>
/// </remarks>
internal sealed class InMemoryGlobalTable(IGlobalFence fence) : IGlobalTable
{
    /// <summary>The held names and locks, guarded by the fence's lock.</summary>
    private readonly Dictionary<(GlobalKind Kind, string Name), Held> _claims = [];

    /// <summary>Who hears the changes; replaced whole (never changed in place), so a change can go out while one leaves.</summary>
    private IGlobalTableObserver[] _observers = [];

    /// <summary>The number of the last claim.</summary>
    private long _lastSeq;

    /// <summary>The table of a node on its own: only that node (this name and creation) may claim, and its claims always count.</summary>
    public static InMemoryGlobalTable ForLoneNode(NodeName node, long creation) => new(new LoneNodeFence(node, creation));

    /// <summary>Starts reporting to <paramref name="observer"/> (several may watch): the names as they are now, then every change.</summary>
    public void Watch(IGlobalTableObserver observer)
    {
        lock (fence.Gate)
        {
            observer.OnSnapshot([.. _claims.Values.Where(c => c.Change.Kind == GlobalKind.Name && Counts(c)).Select(c => c.Change)]);
            _observers = [.. _observers, observer];
        }
    }

    /// <summary>Stops reporting to <paramref name="observer"/>.</summary>
    public void Unwatch(IGlobalTableObserver observer)
    {
        lock (fence.Gate)
        {
            _observers = [.. _observers.Where(o => !ReferenceEquals(o, observer))];
        }
    }

    /// <inheritdoc />
    public Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        Task.FromResult(Claim(kind, name, pid, resolve));

    /// <inheritdoc />
    public Task<long?> ReplaceAsync(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(kind, name, expectedSeq, pid, resolve));

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken) =>
        Task.FromResult(Release(kind, name, pid, expectedSeq));

    /// <inheritdoc />
    public Task ReleaseNodeAsync(NodeName node, long creation, CancellationToken cancellationToken)
    {
        ReleaseNode(node, creation);
        return Task.CompletedTask;
    }

    /// <summary><see cref="ClaimAsync"/>, done at once.</summary>
    public GlobalClaimOutcome Claim(GlobalKind kind, string name, Pid pid, string? resolve)
    {
        lock (fence.Gate)
        {
            if (!fence.MayClaim(pid.Node, pid.Creation))
            {
                return new GlobalClaimOutcome(GlobalClaimStatus.NotAMember, null, 0, null);
            }
            if (_claims.TryGetValue((kind, name), out var current))
            {
                if (current.Holder == pid)
                {
                    return Outcome(GlobalClaimStatus.Granted, current.Change);
                }
                if (Counts(current))
                {
                    return Outcome(GlobalClaimStatus.Taken, current.Change);
                }
                Remove(current); // Its node was declared dead: the claim is void.
            }
            return Outcome(GlobalClaimStatus.Granted, Add(kind, name, pid, resolve));
        }
    }

    /// <summary><see cref="ReplaceAsync"/>, done at once.</summary>
    public long? Replace(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve)
    {
        lock (fence.Gate)
        {
            if (!fence.MayClaim(pid.Node, pid.Creation) || !_claims.TryGetValue((kind, name), out var current) || current.Change.Seq != expectedSeq)
            {
                return null;
            }
            Remove(current);
            return Add(kind, name, pid, resolve).Seq;
        }
    }

    /// <summary><see cref="ReleaseAsync"/>, done at once.</summary>
    public bool Release(GlobalKind kind, string name, Pid? pid, long? expectedSeq)
    {
        lock (fence.Gate)
        {
            if (!_claims.TryGetValue((kind, name), out var current)
                || (pid is not null && current.Holder != pid)
                || (expectedSeq is { } seq && current.Change.Seq != seq))
            {
                return false;
            }
            Remove(current);
            return true;
        }
    }

    /// <summary><see cref="ReleaseNodeAsync"/>, done at once.</summary>
    public void ReleaseNode(NodeName node, long creation)
    {
        lock (fence.Gate)
        {
            foreach (var claim in _claims.Values.Where(c => c.Holder.Node == node && c.Holder.Creation == creation).ToList())
            {
                Remove(claim);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool Counts(Held claim) => fence.Counts(claim.Holder.Node, claim.Holder.Creation);

    private static GlobalClaimOutcome Outcome(GlobalClaimStatus status, GlobalChange claim) => new(status, claim.Pid, claim.Seq, claim.Resolve);

    private GlobalChange Add(GlobalKind kind, string name, Pid pid, string? resolve)
    {
        var claim = new GlobalChange(true, kind, name, pid.ToString(), ++_lastSeq, resolve);
        _claims[(kind, name)] = new Held(claim, pid);
        Notify(claim);
        return claim;
    }

    private void Remove(Held claim)
    {
        _claims.Remove((claim.Change.Kind, claim.Change.Name));
        Notify(claim.Change with { Claimed = false });
    }

    private void Notify(in GlobalChange change)
    {
        foreach (var observer in _observers)
        {
            observer.OnChange(change);
        }
    }

    /// <summary>A held name or lock: the change that claimed it, and its holder.</summary>
    private readonly record struct Held(GlobalChange Change, Pid Holder);

    /// <summary>The fence of a node on its own: itself is the only member.</summary>
    private sealed class LoneNodeFence(NodeName self, long creation) : IGlobalFence
    {
        public Lock Gate { get; } = new();

        public bool MayClaim(NodeName node, long nodeCreation) => node == self && nodeCreation == creation;

        public bool Counts(NodeName node, long nodeCreation) => MayClaim(node, nodeCreation);
    }
}
