using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>How a process exits: signalling links and monitors, and what becomes of the messages it leaves.</summary>
internal abstract partial class ProcessCell
{
    /// <summary>
    /// Ends the process with <paramref name="reason"/>: signals its links, fires its monitors, releases its name.
    /// Returns false when it had already exited. Safe from any thread.
    /// </summary>
    /// <param name="reason">The exit reason.</param>
    /// <param name="crash">The exception the process's own code threw, to log with its stack trace.</param>
    internal bool Die(ExitReason reason, Exception? crash = null)
    {
        List<Pid>? links;
        Dictionary<long, Pid>? monitors;
        Dictionary<long, object>? watchers;
        string? name;
        CancellationTokenSource? aborted;
        lock (this)
        {
            if (_exitReason is not null)
            {
                return false;
            }
            _exitReason = reason;
            links = _links;
            monitors = _monitors;
            watchers = _watchers;
            name = _registeredName;
            aborted = _aborted;
            _links = null;
            _monitors = null;
            _watchers = null;
        }

        if (crash is not null)
        {
            LogCrash(_node.Logger, Self, TypeName, reason, crash);
        }
        // Tidy up before telling anyone the process exited (Aborted callbacks, links, monitors, WhenExited): whoever
        // learns of the exit must find the process out of the tables, its name free, and no monitor of it left on
        // the processes it monitored.
        _node.OnProcessExited(this, name);
        if (monitors is not null)
        {
            foreach (var (monitorRef, target) in monitors)
            {
                _node.Router.RemoveWatcher(target, monitorRef);
            }
        }
        if (aborted is not null)
        {
            try
            {
                aborted.Cancel();
            }
            catch (AggregateException e)
            {
                LogAbortCallbackFailed(_node.Logger, Self, e);
            }
        }
        if (links is not null)
        {
            foreach (var linked in links)
            {
                _node.Router.SendExitSignal(Self, this, linked, reason, viaLink: true);
            }
        }
        if (watchers is not null)
        {
            foreach (var (monitorRef, watcher) in watchers)
            {
                switch (watcher)
                {
                    case Pid watcherPid:
                        _node.Router.DeliverDown(watcherPid, new MonitorRef(monitorRef), Self, reason);
                        break;
                    case TaskCompletionSource<ExitReason> completion:
                        completion.TrySetResult(reason);
                        break;
                    case IExitWatcher exitWatcher:
                        exitWatcher.OnWatchedExit(reason);
                        break;
                }
            }
        }
        FailPendingStart(reason);
        OnExited();
        return true;
    }

    /// <summary>Called once after the process exited; by default makes sure an owner runs to drain the mailbox.</summary>
    private protected virtual void OnExited() => Wake();

    /// <summary>Empties the mailbox of an exited process: calls fail, other messages are dead letters or forwarded. Owner only.</summary>
    private protected void DrainAfterExit()
    {
        var reason = _exitReason!;
        while (_saved.TryTakeFirst(out var saved))
        {
            OnUndelivered(saved, reason, queuedBeforeExit: true);
        }
        while (_mailbox.TryDequeue(out var envelope))
        {
            OnUndelivered(envelope, reason, queuedBeforeExit: true);
        }
    }

    /// <summary>An envelope that reached an exited process before it could be queued.</summary>
    private protected virtual void OnPostedAfterExit(Envelope envelope) =>
        OnUndelivered(envelope, _exitReason!, queuedBeforeExit: false);

    /// <summary>
    /// What becomes of a message this exited process will never handle. A call fails (with the exit reason if it was
    /// queued before the exit, as the caller's monitor would report in Erlang; with noproc otherwise); any other
    /// message is a dead letter. (A virtual process's activation hands what it did not handle to its next activation
    /// before this is ever reached; see <c>ActivationCell</c>.)
    /// </summary>
    private protected virtual void OnUndelivered(Envelope envelope, ExitReason exitReason, bool queuedBeforeExit)
    {
        if (envelope.Kind == EnvelopeKind.Stop)
        {
            return; // Asked to stop, and already gone.
        }
        var message = envelope.Message!;
        if (envelope.Kind == EnvelopeKind.Call)
        {
            envelope.ReplyTo!.Fail(envelope.ReplyToken, queuedBeforeExit ? exitReason : ExitReason.NoProc);
            return;
        }
        if (message is Down or ProcessGrid.Exit or NodeUp or NodeDown)
        {
            return; // Signals and node notifications to a dead process vanish, as in Erlang; they are not user messages.
        }
        _node.DeadLetters.Report(Self.ToString(), message, queuedBeforeExit
            ? $"the process exited ({exitReason}) before handling it"
            : $"noproc: the process has exited ({exitReason})");
    }

    /// <summary>Throws <see cref="ProcessExitedException"/> when the process has exited (its code is being unwound).</summary>
    private protected void ThrowIfExited()
    {
        if (_exitReason is { } reason)
        {
            throw new ProcessExitedException(Self, reason);
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Process {Pid} ({Type}) crashed with reason {Reason}")]
    private static partial void LogCrash(ILogger logger, Pid pid, string type, ExitReason reason, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "A callback registered on the Aborted token of process {Pid} threw")]
    private static partial void LogAbortCallbackFailed(ILogger logger, Pid pid, Exception exception);
}
