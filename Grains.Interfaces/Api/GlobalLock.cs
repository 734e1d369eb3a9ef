namespace ProcessGrid;

/// <summary>A held cluster-wide lock (Erlang's <c>global:set_lock</c>); disposing it releases it (<c>global:del_lock</c>).</summary>
public abstract class GlobalLock : IAsyncDisposable
{
    /// <summary>Creates a handle for <paramref name="resource"/> held by <paramref name="holder"/>.</summary>
    protected GlobalLock(string resource, Pid holder)
    {
        Resource = resource;
        Holder = holder;
    }

    /// <summary>The locked resource.</summary>
    public string Resource { get; }

    /// <summary>The process holding the lock.</summary>
    public Pid Holder { get; }

    /// <summary>Releases this hold on the lock (once; later calls do nothing).</summary>
    public abstract ValueTask DisposeAsync();
}
