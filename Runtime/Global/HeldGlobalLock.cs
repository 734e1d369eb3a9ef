namespace ProcessGrid.Runtime.Global;

/// <summary>A lock this node granted to one of its processes; disposing it releases the lock (once).</summary>
internal sealed class HeldGlobalLock(string resource, Pid holder, GlobalRegistry.HolderWatch watch) : GlobalLock(resource, holder)
{
    /// <inheritdoc />
    public override ValueTask DisposeAsync() => new(watch.ReleaseOnce());
}
