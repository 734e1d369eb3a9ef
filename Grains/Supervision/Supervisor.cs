using static ProcessGrid.SupervisorProtocol;

namespace ProcessGrid;

/// <summary>
/// Erlang's <c>supervisor</c> module: start a supervisor, and manage its children. A supervisor starts its children in
/// order, restarts them when they exit (by its <see cref="RestartStrategy"/> and each child's
/// <see cref="RestartType"/>), gives up when they fail too often (its restart intensity), and shuts them down in
/// reverse order when it stops. Supervisors supervise supervisors: a supervision tree.
/// </summary>
/// <remarks>
/// <para>Start a tree's root from outside any process with <see cref="StartSupervisorAsync"/>: its parent is the node,
/// so <c>node.StopAsync()</c> shuts it down in order. Inside a process, <see cref="StartSupervisorLinkAsync"/> starts a
/// supervisor linked to that process; <see cref="ChildSpec.Supervisor"/> makes one a child of another.</para>
/// <para>The child operations are calls to the supervisor process and wait, like Erlang's, as long as it takes unless a
/// timeout is given: the supervisor answers when it has done the work (a child's start, a child's shutdown). A refusal
/// is a <see cref="SupervisorException"/>; a child that failed to start is a <see cref="ProcessStartException"/>; a
/// supervisor that is gone or does not answer in time is a <see cref="CallException"/>.</para>
/// </remarks>
public static class Supervisor
{
    /// <summary>
    /// Starts a supervisor from outside any process (Erlang's <c>supervisor:start_link</c> from the top of a tree) and
    /// waits until all its children have started. Its parent is the node: <c>node.StopAsync()</c> shuts it down.
    /// </summary>
    /// <param name="grid">The node to run it on.</param>
    /// <param name="spec">The strategy, children and restart intensity.</param>
    /// <param name="options">Spawn options, such as a name to register the supervisor under.</param>
    /// <returns>The supervisor's pid.</returns>
    /// <exception cref="ArgumentException">The spec is invalid; the message says why.</exception>
    /// <exception cref="ProcessStartException">
    /// A child failed to start: the children already started were shut down in reverse order, and the reason is
    /// <c>{shutdown,{failed_to_start_child,Id,Reason}}</c>.
    /// </exception>
    public static ValueTask<Pid> StartSupervisorAsync(this IProcessGrid grid, SupervisorSpec spec, SpawnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return grid.StartAsync<SupervisorProcess>(options ?? new SpawnOptions(), spec);
    }

    /// <summary>
    /// Starts a supervisor linked to the calling process (Erlang's <c>supervisor:start_link</c>) and waits until all its
    /// children have started. The caller is its parent: an exit signal from the caller shuts the supervisor's children
    /// down in reverse order, then the supervisor exits with the caller's reason.
    /// </summary>
    /// <param name="context">The calling process.</param>
    /// <param name="spec">The strategy, children and restart intensity.</param>
    /// <param name="options">Spawn options, such as a name to register the supervisor under.</param>
    /// <returns>The supervisor's pid.</returns>
    /// <exception cref="ArgumentException">The spec is invalid; the message says why.</exception>
    /// <exception cref="ProcessStartException">A child failed to start (see <see cref="StartSupervisorAsync"/>); no exit signal reaches the caller.</exception>
    public static ValueTask<Pid> StartSupervisorLinkAsync(this IProcessContext context, SupervisorSpec spec, SpawnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return context.StartLinkAsync<SupervisorProcess>(options ?? new SpawnOptions(), spec);
    }

    /// <summary>
    /// Adds a child to a supervisor and starts it (Erlang's <c>supervisor:start_child/2</c> with a child spec). It is
    /// last in start order, so first in shutdown order. If it fails to start, the spec is not kept.
    /// </summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="spec">The child's spec.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <returns>The child's pid.</returns>
    /// <exception cref="SupervisorException">
    /// A child with that id exists (<see cref="SupervisorError.AlreadyStarted"/> if running,
    /// <see cref="SupervisorError.AlreadyPresent"/> if not), or the supervisor is simple_one_for_one
    /// (<see cref="SupervisorError.SimpleOneForOne"/>).
    /// </exception>
    /// <exception cref="ProcessStartException">The child failed to start.</exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask<Pid> StartChildAsync(this IProcessGrid grid, Pid supervisor, ChildSpec spec, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Result<Pid>(supervisor, await CallAsync(grid, supervisor, new StartChild(spec), timeout).ConfigureAwait(false));
    }

    /// <summary>
    /// Starts a dynamic child of a simple_one_for_one supervisor (Erlang's <c>supervisor:start_child/2</c> with a list
    /// of arguments): the template's start runs with <paramref name="args"/> appended to its own arguments, and again
    /// with the same arguments on each restart.
    /// </summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The simple_one_for_one supervisor.</param>
    /// <param name="args">The extra start arguments (for <see cref="ChildSpec.Worker{TProcess}(string, object[])"/>, more constructor arguments).</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <returns>The child's pid.</returns>
    /// <exception cref="SupervisorException">The supervisor is not simple_one_for_one (<see cref="SupervisorError.NotSimpleOneForOne"/>).</exception>
    /// <exception cref="ProcessStartException">The child failed to start.</exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask<Pid> StartChildAsync(this IProcessGrid grid, Pid supervisor, IReadOnlyList<object> args, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Result<Pid>(supervisor, await CallAsync(grid, supervisor, new StartDynamicChild([.. args]), timeout).ConfigureAwait(false));
    }

    /// <summary>
    /// Shuts a child down by its spec's shutdown and waits until it has exited (Erlang's
    /// <c>supervisor:terminate_child/2</c> with an id). The spec is kept, so the child can be restarted with
    /// <see cref="RestartChildAsync"/> or removed with <see cref="DeleteChildAsync"/>, unless the child is temporary:
    /// then the spec is removed.
    /// </summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <exception cref="SupervisorException">
    /// No child has that id (<see cref="SupervisorError.NotFound"/>), or the supervisor is simple_one_for_one
    /// (<see cref="SupervisorError.SimpleOneForOne"/>: terminate its children by pid).
    /// </exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask TerminateChildAsync(this IProcessGrid grid, Pid supervisor, string id, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        Result<Done>(supervisor, await CallAsync(grid, supervisor, new TerminateChild(id), timeout).ConfigureAwait(false));
    }

    /// <summary>
    /// Shuts a dynamic child of a simple_one_for_one supervisor down and forgets it (Erlang's
    /// <c>supervisor:terminate_child/2</c> with a pid). A pid that is no longer alive counts as terminated already.
    /// </summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The simple_one_for_one supervisor.</param>
    /// <param name="child">The child's pid.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <exception cref="SupervisorException">The pid is alive but not a child of the supervisor (<see cref="SupervisorError.NotFound"/>).</exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask TerminateChildAsync(this IProcessGrid grid, Pid supervisor, Pid child, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(child);
        Result<Done>(supervisor, await CallAsync(grid, supervisor, new TerminateDynamicChild(child), timeout).ConfigureAwait(false));
    }

    /// <summary>Starts a child that is not running, by its kept spec (Erlang's <c>supervisor:restart_child/2</c>).</summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <returns>The child's new pid.</returns>
    /// <exception cref="SupervisorException">
    /// No child has that id (<see cref="SupervisorError.NotFound"/>), it is running (<see cref="SupervisorError.Running"/>)
    /// or being restarted (<see cref="SupervisorError.Restarting"/>), or the supervisor is simple_one_for_one.
    /// </exception>
    /// <exception cref="ProcessStartException">The child failed to start; it stays stopped.</exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask<Pid> RestartChildAsync(this IProcessGrid grid, Pid supervisor, string id, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Result<Pid>(supervisor, await CallAsync(grid, supervisor, new RestartChild(id), timeout).ConfigureAwait(false));
    }

    /// <summary>Removes the spec of a child that is not running (Erlang's <c>supervisor:delete_child/2</c>).</summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="id">The child's id.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <exception cref="SupervisorException">
    /// No child has that id (<see cref="SupervisorError.NotFound"/>), it is running (<see cref="SupervisorError.Running"/>:
    /// terminate it first) or being restarted (<see cref="SupervisorError.Restarting"/>), or the supervisor is
    /// simple_one_for_one.
    /// </exception>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask DeleteChildAsync(this IProcessGrid grid, Pid supervisor, string id, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        Result<Done>(supervisor, await CallAsync(grid, supervisor, new DeleteChild(id), timeout).ConfigureAwait(false));
    }

    /// <summary>
    /// The supervisor's children (Erlang's <c>supervisor:which_children/1</c>): static ones in start order, with their
    /// pid when running; for simple_one_for_one, the dynamic children in no particular order.
    /// </summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask<IReadOnlyList<ChildInfo>> WhichChildrenAsync(this IProcessGrid grid, Pid supervisor, TimeSpan? timeout = null) =>
        Result<List<ChildInfo>>(supervisor, await CallAsync(grid, supervisor, WhichChildren.Instance, timeout).ConfigureAwait(false));

    /// <summary>The supervisor's children counted (Erlang's <c>supervisor:count_children/1</c>).</summary>
    /// <param name="grid">The node to call from.</param>
    /// <param name="supervisor">The supervisor.</param>
    /// <param name="timeout">How long to wait for the answer; without limit when null.</param>
    /// <exception cref="CallException">The supervisor is gone or did not answer in time.</exception>
    public static async ValueTask<ChildCounts> CountChildrenAsync(this IProcessGrid grid, Pid supervisor, TimeSpan? timeout = null) =>
        Result<ChildCounts>(supervisor, await CallAsync(grid, supervisor, CountChildren.Instance, timeout).ConfigureAwait(false));

    private static ValueTask<object> CallAsync(IProcessGrid grid, Pid supervisor, object request, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(supervisor);
        return grid.Call<object>(supervisor, request, timeout ?? Timeout.InfiniteTimeSpan);
    }

    /// <summary>Turns the supervisor's answer into the result, or into the exception its refusal stands for.</summary>
    private static T Result<T>(Pid supervisor, object? reply) => reply switch
    {
        T result => result,
        Refusal refusal => throw new SupervisorException(supervisor, refusal.Error, refusal.Child, refusal.RunningPid),
        StartFailure failure => throw new ProcessStartException(failure.ProcessType, failure.Reason),
        _ => throw new InvalidOperationException(
            $"Process {supervisor} answered a supervisor request with {reply?.GetType().Name ?? "null"}: it is not a supervisor."),
    };
}
