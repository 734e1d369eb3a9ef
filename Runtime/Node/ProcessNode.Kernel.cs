namespace ProcessGrid.Runtime;

/// <summary>
/// The node's kernel services, as in Erlang's <c>kernel</c> application: the global name registry, process groups and
/// the rpc server run on every node from the moment it starts, so that any node can rely on finding them on any other.
/// </summary>
/// <remarks>
/// They start after the node's own machinery and its distribution layer, and before the node joins its cluster (a
/// peer may use them as soon as it sees the node). Their processes are root processes started first, so a graceful
/// stop ends them last, after the processes that use them; then <see cref="StopKernelAsync"/> closes what they hold
/// outside processes (database connections), before the node leaves its cluster. Each service has its own partial file.
/// </remarks>
public sealed partial class ProcessNode
{
    private void StartKernel()
    {
        StartGlobal();
        StartGroups();
        StartRpc();
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until the services have what they need to answer, such as the global names.</summary>
    private async Task KernelReadyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await GlobalReady.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not fatal: lookups answer as soon as the names arrive, and the registry logs why they are late.
        }
    }

    /// <summary>Closes what the kernel services hold outside processes.</summary>
    private async Task StopKernelAsync()
    {
        if (_rpc is { } rpc)
        {
            await rpc.DisposeAsync().ConfigureAwait(false);
        }
        await StopGlobalAsync().ConfigureAwait(false);
        if (Gateways is { } gateways)
        {
            await gateways.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A member of the cluster was declared dead or left: what it held cluster-wide is released.</summary>
    internal void OnMemberDead(NodeName node, long creation)
    {
        OnMemberDeadGlobal(node, creation);
    }

    partial void StartGroups();

    partial void StartRpc();
}
