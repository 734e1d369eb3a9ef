namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The global table of a node without a database: in its memory, for a node that is alone (not distributed, or the
/// only member of an in-memory membership table). Same rules as the database table; fencing asks membership.
/// </summary>
internal sealed class InMemoryGlobalTable(Func<NodeName, long, bool> isMember) : IGlobalTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(GlobalKind, string), GlobalChange> _claims = [];
    private IGlobalTableObserver? _observer;
    private long _nextSeq;

    /// <inheritdoc />
    public void Watch(IGlobalTableObserver observer)
    {
        lock (_gate)
        {
            _observer = observer;
            observer.OnSnapshot([.. _claims.Values.Where(c => c.Kind == GlobalKind.Name)]);
        }
    }

    /// <inheritdoc />
    public Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!isMember(pid.Node, pid.Creation))
            {
                return Task.FromResult(new GlobalClaimOutcome(GlobalClaimStatus.NotAMember, null, 0, null));
            }
            if (_claims.TryGetValue((kind, name), out var current))
            {
                var holder = Pid.Parse(current.Pid);
                if (current.Pid == pid.ToString())
                {
                    return Task.FromResult(new GlobalClaimOutcome(GlobalClaimStatus.Granted, current.Pid, current.Seq, current.Resolve));
                }
                if (isMember(holder.Node, holder.Creation))
                {
                    return Task.FromResult(new GlobalClaimOutcome(GlobalClaimStatus.Taken, current.Pid, current.Seq, current.Resolve));
                }
                Remove(current);
            }
            var claim = Add(kind, name, pid, resolve);
            return Task.FromResult(new GlobalClaimOutcome(GlobalClaimStatus.Granted, claim.Pid, claim.Seq, claim.Resolve));
        }
    }

    /// <inheritdoc />
    public Task<long?> ReplaceAsync(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!isMember(pid.Node, pid.Creation) || !_claims.TryGetValue((kind, name), out var current) || current.Seq != expectedSeq)
            {
                return Task.FromResult<long?>(null);
            }
            Remove(current);
            return Task.FromResult<long?>(Add(kind, name, pid, resolve).Seq);
        }
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_claims.TryGetValue((kind, name), out var current)
                || (pid is not null && current.Pid != pid.ToString())
                || (expectedSeq is { } seq && current.Seq != seq))
            {
                return Task.FromResult(false);
            }
            Remove(current);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task ReleaseNodeAsync(NodeName node, long creation, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var claim in _claims.Values.Where(c => Pid.Parse(c.Pid) is var holder && holder.Node == node && holder.Creation == creation).ToList())
            {
                Remove(claim);
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private GlobalChange Add(GlobalKind kind, string name, Pid pid, string? resolve)
    {
        var claim = new GlobalChange(true, kind, name, pid.ToString(), ++_nextSeq, resolve);
        _claims[(kind, name)] = claim;
        _observer?.OnChange(claim);
        return claim;
    }

    private void Remove(GlobalChange claim)
    {
        _claims.Remove((claim.Kind, claim.Name));
        _observer?.OnChange(claim with { Claimed = false });
    }
}
