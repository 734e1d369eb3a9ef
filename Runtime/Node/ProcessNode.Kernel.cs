namespace ProcessGrid.Runtime;

/// <summary>
/// The node's kernel services, as in Erlang's <c>kernel</c> application: the global name registry, process groups and
/// the rpc server run on every node from the moment it starts, so that any node can rely on finding them on any other.
/// </summary>
/// <remarks>
/// They start after the node's own machinery and its distribution layer, and before the node joins its cluster (a
/// peer may use them as soon as it sees the node). Their processes are root processes started first, so a graceful
/// stop ends them last, after the processes that use them. Each service lives in its own partial file.
/// </remarks>
public sealed partial class ProcessNode
{
    private void StartKernel()
    {
        StartGlobal();
        StartGroups();
        StartRpc();
    }

    partial void StartGlobal();

    partial void StartGroups();

    partial void StartRpc();
}
