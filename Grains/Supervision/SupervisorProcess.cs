using Microsoft.Extensions.Logging.Abstractions;
using static ProcessGrid.SupervisorProtocol;

namespace ProcessGrid;

/// <summary>
/// The supervisor process (Erlang's <c>supervisor</c> behaviour): starts its children in order, restarts them by its
/// strategy when they exit, gives up past its restart intensity, and shuts them down in reverse order.
/// </summary>
/// <remarks>
/// <para><b>Why a <see cref="GenServer"/>.</b> Erlang's supervisor is a gen_server, and the runtime's gen_server gives
/// three things a supervisor needs for free: <c>StartLinkAsync</c> waits for <see cref="InitAsync"/> (where the children
/// start), so a child that fails to start fails the supervisor's start with <see cref="ProcessStartException"/> and no
/// exit signal; an exit signal from the parent ends the server after <see cref="TerminateAsync"/> (where the children
/// stop), with the parent's reason; and one message at a time, so every restart decision sees a consistent state. What
/// a gen_server lacks is selective receive, which supervisor.erl uses in exactly one place: to wait for a child's
/// <c>DOWN</c> while shutting it down. Here that wait is <see cref="IProcessGrid.WhenExited"/>, a monitor that completes
/// a task instead of queueing a message, so it needs no mailbox at all. The one difference it leaves concerns a child
/// that died just before it was unlinked: supervisor.erl takes that child's reason from its flushed <c>EXIT</c>; here
/// the watch answers <c>noproc</c>, the child is noted as already gone (a debug line rather than a shutdown_error
/// report), and its <c>EXIT</c>, still queued, is ignored when it comes up, as it comes from a pid that is no longer a
/// child.</para>
/// <para><b>Shutting a child down.</b> Watch it, unlink it (so its exit reaches us only through the watch), then
/// <c>kill</c> it (brutal kill) or send <c>shutdown</c> and wait up to its timeout before killing it. The reason it exits
/// with is checked as supervisor.erl does: anything but the expected one is a <c>shutdown_error</c> report.</para>
/// <para><b>Restarting.</b> Every restart is counted against the intensity before it is tried. A restart that fails to
/// start a child marks it <c>restarting</c> and sends the supervisor a retry message, so the messages already queued
/// (a shutdown order, a call) are handled first; the retry counts as another restart, so a child that never starts
/// ends with the supervisor giving up rather than looping.</para>
/// <para><b>State.</b> Static children live in a list in start order; the dynamic children of a simple_one_for_one
/// supervisor live in a set (they have no order) with an index by pid, as there may be many.</para>
/// </remarks>
internal sealed class SupervisorProcess : GenServer
{
    private readonly SupervisorSpec _spec;
    private readonly ILogger _log;
    private readonly RestartIntensity _intensity;

    // The static children in start order (every strategy but simple_one_for_one).
    private readonly List<SupervisedChild> _children = [];

    // simple_one_for_one: every dynamic child, running or being restarted...
    private readonly HashSet<SupervisedChild> _dynamic = [];

    // ...and the running ones by pid, to find the child an exit signal comes from.
    private readonly Dictionary<Pid, SupervisedChild> _dynamicByPid = [];

    /// <summary>Built by the runtime with the spec and, when the node's services have one, the logger factory.</summary>
    public SupervisorProcess(SupervisorSpec spec, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        _spec = spec;
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(SupervisorReports.Category);
        _intensity = new RestartIntensity(spec.Intensity, spec.Period, TimeProvider.System);
    }

    private bool IsSimple => _spec.Strategy == RestartStrategy.SimpleOneForOne;

    private ChildSpec Template => _spec.Children[0];

    // ----------------------------------------------------------------------------------------------------------------
    // Start and stop
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>Traps exits, then starts the static children in order; if one fails, stops the others and fails.</summary>
    protected override async ValueTask InitAsync()
    {
        Context.TrapExit = true;
        if (IsSimple)
        {
            return;
        }
        foreach (var spec in _spec.Children)
        {
            var child = new SupervisedChild(spec, []);
            var (pid, failure) = await StartProcessAsync(child).ConfigureAwait(false);
            if (pid is null)
            {
                await ShutdownInReverseAsync(_children).ConfigureAwait(false);
                _children.Clear();
                // Erlang's {shutdown, {failed_to_start_child, Id, Reason}}: the start fails with it.
                Context.Exit(ExitReason.ShutdownWith($"{{failed_to_start_child,{spec.Id},{failure!.Reason}}}"));
            }
            child.Pid = pid;
            _children.Add(child);
        }
    }

    /// <summary>
    /// Runs as the supervisor exits: on its parent's exit signal (node stop included), after giving up past its restart
    /// intensity, or after a crash of its own. Terminates the children: static ones in reverse start order, each waited
    /// for; dynamic ones all at once.
    /// </summary>
    protected override async ValueTask TerminateAsync(ExitReason reason)
    {
        SupervisorReports.Terminating(_log, Self, reason);
        if (IsSimple)
        {
            await ShutdownDynamicChildrenAsync().ConfigureAwait(false);
        }
        else
        {
            await ShutdownInReverseAsync(_children).ConfigureAwait(false);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Messages: children's exits, retries
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    protected override async ValueTask HandleInfoAsync(object message)
    {
        switch (message)
        {
            case Exit exit:
                await OnExitAsync(exit).ConfigureAwait(false);
                break;
            case TryAgainRestart retry when IsCurrent(retry.Child) && retry.Child.Restarting:
                await RestartAsync(retry.Child).ConfigureAwait(false);
                break;
            case TryAgainRestart:
                break; // The child was terminated or deleted meanwhile: nothing to retry.
            default:
                SupervisorReports.UnexpectedMessage(_log, Self, message);
                break;
        }
    }

    /// <summary>A linked process exited: if it is a child, apply its restart type, then the strategy.</summary>
    private async ValueTask OnExitAsync(Exit exit)
    {
        var child = FindByPid(exit.From);
        if (child is null)
        {
            // Not (or no longer) a child: a process that merely linked to us, or a child we already shut down.
            SupervisorReports.UnknownExitIgnored(_log, Self, exit.From, exit.Reason);
            return;
        }
        var reason = exit.Reason;
        ClearPid(child);
        var restart = child.Spec.Restart switch
        {
            RestartType.Permanent => true,
            RestartType.Transient => !reason.IsNormalOrShutdown,
            _ => false,
        };
        if (child.Spec.Restart == RestartType.Permanent || !reason.IsNormalOrShutdown)
        {
            SupervisorReports.ChildTerminated(_log, Self, child.Id, exit.From, reason);
        }
        if (restart)
        {
            await RestartAsync(child).ConfigureAwait(false);
        }
        else
        {
            Retire(child);
        }
    }

    /// <summary>Restarts <paramref name="child"/> (and, by the strategy, its siblings), or gives up past the intensity.</summary>
    private async ValueTask RestartAsync(SupervisedChild child)
    {
        if (!_intensity.TryAdd())
        {
            SupervisorReports.ReachedMaxRestartIntensity(_log, Self, _spec.Intensity, _spec.Period, child.Id);
            Retire(child);
            // Exiting from a callback runs TerminateAsync, which shuts the remaining children down in reverse order.
            Context.Exit(ExitReason.Shutdown);
        }
        List<SupervisedChild> group = _spec.Strategy switch
        {
            RestartStrategy.OneForAll => [.. _children],
            RestartStrategy.RestForOne => _children[_children.IndexOf(child)..],
            _ => [child],
        };
        await RestartGroupAsync(child, group).ConfigureAwait(false);
    }

    /// <summary>
    /// Terminates the running members of <paramref name="group"/> in reverse start order (dropping temporary ones, which
    /// are never restarted), then starts them in start order. A start that fails marks that child restarting and
    /// schedules a retry; the ones after it stay stopped until the retry, a restart of the failed child by the strategy
    /// (so one_for_all stops and starts all again, rest_for_one starts from the failed child on).
    /// </summary>
    private async ValueTask RestartGroupAsync(SupervisedChild exited, List<SupervisedChild> group)
    {
        for (var i = group.Count - 1; i >= 0; i--)
        {
            var sibling = group[i];
            if (sibling == exited)
            {
                continue;
            }
            await ShutdownAsync(sibling).ConfigureAwait(false);
            if (sibling.Spec.Restart == RestartType.Temporary)
            {
                Retire(sibling);
                group.RemoveAt(i);
            }
        }
        foreach (var member in group)
        {
            var (pid, _) = await StartProcessAsync(member).ConfigureAwait(false);
            if (pid is null)
            {
                member.Restarting = true;
                Context.Send(Self, new TryAgainRestart(member));
                return;
            }
            SetPid(member, pid);
            SupervisorReports.ChildRestarted(_log, Self, member.Id, pid, _spec.Strategy);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Calls: the supervisor API
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    /// <remarks>An unknown request crashes the supervisor, as in Erlang: only the <see cref="Supervisor"/> API calls it.</remarks>
    protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
    {
        switch (request)
        {
            case StartChild start:
                return await StartChildAsync(start.Spec).ConfigureAwait(false);
            case StartDynamicChild start:
                return await StartDynamicChildAsync(start.Args).ConfigureAwait(false);
            case TerminateChild terminate:
                return await TerminateChildAsync(terminate.Id).ConfigureAwait(false);
            case TerminateDynamicChild terminate:
                return await TerminateDynamicChildAsync(terminate.Pid).ConfigureAwait(false);
            case RestartChild restart:
                return await RestartChildAsync(restart.Id).ConfigureAwait(false);
            case DeleteChild delete:
                return DeleteChildById(delete.Id);
            case WhichChildren:
                return WhichChildrenNow();
            case CountChildren:
                return CountChildrenNow();
            default:
                throw new NotSupportedException($"A supervisor does not handle the call {request}; use the Supervisor API.");
        }
    }

    private async ValueTask<object> StartChildAsync(ChildSpec spec)
    {
        if (IsSimple)
        {
            return new Refusal(SupervisorError.SimpleOneForOne, spec.Id);
        }
        if (FindById(spec.Id) is { } existing)
        {
            return existing.Pid is { } running
                ? new Refusal(SupervisorError.AlreadyStarted, spec.Id, running)
                : new Refusal(SupervisorError.AlreadyPresent, spec.Id);
        }
        var child = new SupervisedChild(spec, []);
        var (pid, failure) = await StartProcessAsync(child).ConfigureAwait(false);
        if (pid is null)
        {
            return failure!; // Erlang does not keep the spec of a child that failed to start.
        }
        child.Pid = pid;
        _children.Add(child);
        return pid;
    }

    private async ValueTask<object> StartDynamicChildAsync(IReadOnlyList<object> args)
    {
        if (!IsSimple)
        {
            return new Refusal(SupervisorError.NotSimpleOneForOne, null);
        }
        var child = new SupervisedChild(Template, args);
        var (pid, failure) = await StartProcessAsync(child).ConfigureAwait(false);
        if (pid is null)
        {
            return failure!;
        }
        _dynamic.Add(child);
        SetPid(child, pid);
        return pid;
    }

    private async ValueTask<object> TerminateChildAsync(string id)
    {
        if (IsSimple)
        {
            return new Refusal(SupervisorError.SimpleOneForOne, id);
        }
        if (FindById(id) is not { } child)
        {
            return new Refusal(SupervisorError.NotFound, id);
        }
        await ShutdownAsync(child).ConfigureAwait(false);
        Retire(child);
        return Done.Instance;
    }

    private async ValueTask<object> TerminateDynamicChildAsync(Pid pid)
    {
        if (!IsSimple)
        {
            return new Refusal(SupervisorError.NotFound, pid.ToString());
        }
        if (_dynamicByPid.TryGetValue(pid, out var child))
        {
            await ShutdownAsync(child).ConfigureAwait(false);
            Retire(child);
            return Done.Instance;
        }
        if (_dynamic.FirstOrDefault(candidate => candidate.Restarting && candidate.LastPid == pid) is { } restarting)
        {
            Retire(restarting); // Being restarted under its old pid: nothing runs, so forgetting it is enough.
            return Done.Instance;
        }
        // A pid that is no longer alive is taken as already terminated, as supervisor.erl does: the child may have
        // exited on its own just before the request.
        return IsAlive(pid) ? new Refusal(SupervisorError.NotFound, pid.ToString()) : Done.Instance;
    }

    /// <summary>
    /// Finds a child by id that is neither running nor restarting (what restart_child and delete_child act on), or says
    /// why not.
    /// </summary>
    private Refusal? FindStoppedChild(string id, out SupervisedChild child)
    {
        child = null!;
        if (IsSimple)
        {
            return new Refusal(SupervisorError.SimpleOneForOne, id);
        }
        if (FindById(id) is not { } found)
        {
            return new Refusal(SupervisorError.NotFound, id);
        }
        if (found.Restarting)
        {
            return new Refusal(SupervisorError.Restarting, id);
        }
        if (found.Pid is not null)
        {
            return new Refusal(SupervisorError.Running, id);
        }
        child = found;
        return null;
    }

    private async ValueTask<object> RestartChildAsync(string id)
    {
        if (FindStoppedChild(id, out var child) is { } refusal)
        {
            return refusal;
        }
        var (pid, failure) = await StartProcessAsync(child).ConfigureAwait(false);
        if (pid is null)
        {
            return failure!;
        }
        child.Pid = pid;
        return pid;
    }

    private object DeleteChildById(string id)
    {
        if (FindStoppedChild(id, out var child) is { } refusal)
        {
            return refusal;
        }
        _children.Remove(child);
        return Done.Instance;
    }

    private List<ChildInfo> WhichChildrenNow()
    {
        var children = IsSimple ? (IEnumerable<SupervisedChild>)_dynamic : _children;
        return [.. children.Select(child => new ChildInfo(child.Id, child.Pid, child.Spec.Type, child.Restarting))];
    }

    private ChildCounts CountChildrenNow()
    {
        if (IsSimple)
        {
            // As supervisor.erl: one spec; active are the children not being restarted.
            var all = _dynamic.Count;
            return Template.Type == ChildType.Supervisor
                ? new ChildCounts(1, _dynamicByPid.Count, all, 0)
                : new ChildCounts(1, _dynamicByPid.Count, 0, all);
        }
        var supervisors = _children.Count(child => child.Spec.Type == ChildType.Supervisor);
        var active = _children.Count(child => child.Pid is { } pid && IsAlive(pid));
        return new ChildCounts(_children.Count, active, supervisors, _children.Count - supervisors);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Starting and shutting down one child
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>Runs the child's start function; returns its pid, or why it failed (reported as a start_error).</summary>
    private async ValueTask<(Pid? Pid, StartFailure? Failure)> StartProcessAsync(SupervisedChild child)
    {
        StartFailure failure;
        try
        {
            var pid = await child.Spec.Start(Context, child.Args).ConfigureAwait(false);
            if (pid is not null)
            {
                SupervisorReports.ChildStarted(_log, Self, child.Id, pid);
                return (pid, null);
            }
            failure = new StartFailure(Describe(child), ExitReason.Custom("the start function returned no pid"));
        }
        catch (ProcessExitedException e) when (e.Pid == Self)
        {
            throw; // This supervisor itself has exited: unwind.
        }
        catch (ExitException)
        {
            throw; // The start function ended the supervisor on purpose.
        }
        catch (ProcessStartException e)
        {
            failure = new StartFailure(e.ProcessType, e.Reason);
        }
        catch (Exception e)
        {
            failure = new StartFailure(Describe(child), ExitReason.FromException(e));
        }
        SupervisorReports.StartError(_log, Self, child.Id, failure.Reason);
        return (null, failure);
    }

    /// <summary>Shuts the running children of <paramref name="children"/> down, last started first, each waited for.</summary>
    private async ValueTask ShutdownInReverseAsync(List<SupervisedChild> children)
    {
        for (var i = children.Count - 1; i >= 0; i--)
        {
            await ShutdownAsync(children[i]).ConfigureAwait(false);
        }
    }

    /// <summary>Shuts one child down by its spec's shutdown, and reports an unexpected exit reason.</summary>
    private async ValueTask ShutdownAsync(SupervisedChild child)
    {
        child.Restarting = false;
        if (child.Pid is not { } pid)
        {
            return;
        }
        var shutdown = child.Spec.Shutdown;
        var exited = Order(pid, shutdown);
        if (!shutdown.IsBrutalKill && !shutdown.IsInfinity && !await CompletesWithin(exited, shutdown.Timeout).ConfigureAwait(false))
        {
            Context.Exit(pid, ExitReason.Kill);
        }
        var reason = await exited.ConfigureAwait(false);
        ClearPid(child);
        CheckShutdownReason(child, pid, reason);
    }

    /// <summary>Shuts every dynamic child down at once, with the template's shutdown, as supervisor.erl does.</summary>
    private async ValueTask ShutdownDynamicChildrenAsync()
    {
        var shutdown = Template.Shutdown;
        var waits = new List<(SupervisedChild Child, Pid Pid, Task<ExitReason> Exited)>(_dynamicByPid.Count);
        foreach (var (pid, child) in _dynamicByPid)
        {
            waits.Add((child, pid, Order(pid, shutdown)));
        }
        var all = Task.WhenAll(waits.Select(wait => wait.Exited));
        if (!shutdown.IsBrutalKill && !shutdown.IsInfinity && !await CompletesWithin(all, shutdown.Timeout).ConfigureAwait(false))
        {
            foreach (var wait in waits.Where(wait => !wait.Exited.IsCompleted))
            {
                Context.Exit(wait.Pid, ExitReason.Kill);
            }
        }
        await all.ConfigureAwait(false);
        foreach (var (child, pid, exited) in waits)
        {
            CheckShutdownReason(child, pid, exited.Result);
        }
        _dynamic.Clear();
        _dynamicByPid.Clear();
    }

    /// <summary>
    /// Watches <paramref name="pid"/>, unlinks it (its exit now reaches us only through the watch, never as an
    /// <c>EXIT</c> message that could be mistaken for a crash), and sends it <c>kill</c> or <c>shutdown</c>.
    /// </summary>
    private Task<ExitReason> Order(Pid pid, ChildShutdown shutdown)
    {
        var exited = Context.Grid.WhenExited(pid);
        Context.Unlink(pid);
        Context.Exit(pid, shutdown.IsBrutalKill ? ExitReason.Kill : ExitReason.Shutdown);
        return exited;
    }

    private static async ValueTask<bool> CompletesWithin(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// supervisor.erl's check of a shut-down child's reason: <c>killed</c> after a brutal kill and <c>shutdown</c>
    /// otherwise are expected; a child that is not permanent may also have stopped on its own (<c>normal</c>,
    /// <c>{shutdown, _}</c>); anything else (<c>killed</c> after a timeout, a crash) is a shutdown_error.
    /// </summary>
    private void CheckShutdownReason(SupervisedChild child, Pid pid, ExitReason reason)
    {
        var shutdown = child.Spec.Shutdown;
        if (reason.Kind == ExitReasonKind.NoProc)
        {
            // It had exited before the watch was placed; its EXIT is queued and will be ignored.
            SupervisorReports.ChildAlreadyGone(_log, Self, child.Id, pid);
            return;
        }
        var expected = shutdown.IsBrutalKill ? reason == ExitReason.Killed : reason == ExitReason.Shutdown;
        if (!expected && !(child.Spec.Restart != RestartType.Permanent && reason.IsNormalOrShutdown))
        {
            SupervisorReports.ShutdownError(_log, Self, child.Id, pid, reason, shutdown);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // The children's table
    // ----------------------------------------------------------------------------------------------------------------

    private SupervisedChild? FindById(string id) => _children.Find(child => child.Id == id);

    private SupervisedChild? FindByPid(Pid pid) =>
        IsSimple ? _dynamicByPid.GetValueOrDefault(pid) : _children.Find(child => child.Pid == pid);

    private bool IsCurrent(SupervisedChild child) => IsSimple ? _dynamic.Contains(child) : _children.Contains(child);

    private void SetPid(SupervisedChild child, Pid pid)
    {
        child.Pid = pid;
        child.Restarting = false;
        if (IsSimple)
        {
            _dynamicByPid[pid] = child;
        }
    }

    private void ClearPid(SupervisedChild child)
    {
        if (child.Pid is { } pid)
        {
            child.LastPid = pid;
            if (IsSimple)
            {
                _dynamicByPid.Remove(pid);
            }
        }
        child.Pid = null;
    }

    /// <summary>
    /// The child is not running and will not be restarted (supervisor.erl's <c>del_child</c>): a dynamic or temporary
    /// child is forgotten, any other keeps its spec, so that it can be restarted or deleted by id.
    /// </summary>
    private void Retire(SupervisedChild child)
    {
        ClearPid(child);
        child.Restarting = false;
        if (IsSimple)
        {
            _dynamic.Remove(child);
        }
        else if (child.Spec.Restart == RestartType.Temporary)
        {
            _children.Remove(child);
        }
    }

    private bool IsAlive(Pid pid) => pid.Node != Context.Grid.Node || Context.Grid.GetProcessInfo(pid) is not null;

    private string Describe(SupervisedChild child) => $"child '{child.Id}' of supervisor {Self}";
}
