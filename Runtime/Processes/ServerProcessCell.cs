using System.Runtime.CompilerServices;
using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// A process written as callbacks: a <see cref="GenServer"/> (and everything built on it: supervisors, virtual
/// processes). Runs <see cref="GenServer.InitAsync"/>, then one callback per message in arrival order, then
/// <see cref="GenServer.TerminateAsync"/>.
/// </summary>
/// <remarks>
/// <para>The runner handles messages in a synchronous loop while callbacks complete synchronously (the common case
/// costs no allocation and no thread switch). A callback that really awaits suspends the loop with the mailbox still
/// owned, so the next message waits for it: one message at a time, as in Erlang and in a non-reentrant Orleans grain.</para>
/// <para>After a full turn (<see cref="Throughput"/> messages) the runner re-queues itself at the back of the thread
/// pool, so a busy server cannot starve the others (Erlang's reductions).</para>
/// <para>Calls the server defers (<see cref="GenServer.NoReply"/>) are remembered until answered: when the server
/// exits they fail with its exit reason, as a caller's monitor would report in Erlang.</para>
/// </remarks>
internal class ServerProcessCell : ProcessCell
{
    /// <summary>Messages handled in one turn before the runner yields its thread.</summary>
    private const int Throughput = 128;

    private readonly GenServer _server;
    private bool _started;
    private bool _terminating;
    private bool _initialized;
    private Envelope? _current;
    private ValueTask _pendingCallback;
    private Action? _resume;
    private List<CallFrom>? _deferred;

    public ServerProcessCell(ProcessNode node, Pid self, Pid? parent, GenServer server)
        : base(node, self, parent)
    {
        _server = server;
        server.Attach(this);
    }

    /// <inheritdoc />
    internal override string TypeName => _server.GetType().FullName ?? _server.GetType().Name;

    /// <summary>The server instance (for tools that need its type).</summary>
    internal GenServer Server => _server;

    /// <summary>True once <see cref="GenServer.InitAsync"/> has completed successfully.</summary>
    private protected bool Initialized => _initialized;

    /// <summary>True once the first run has begun (initialization started).</summary>
    private protected bool Started => _started;

    /// <inheritdoc />
    private protected override void Run()
    {
        if (!_started)
        {
            _started = true;
            if (IsAlive)
            {
                BeginInit();
                return;
            }
        }
        Loop();
    }

    /// <summary>The process's initialization: <see cref="GenServer.InitAsync"/> (an activation loads its persistent state first).</summary>
    private protected virtual ValueTask InitializeAsync() => _server.InitAsync();

    private void BeginInit()
    {
        ValueTask init;
        try
        {
            init = InitializeAsync();
        }
        catch (Exception e)
        {
            EndInit(e);
            return;
        }
        if (!init.IsCompleted)
        {
            AwaitInitAsync(init);
            return;
        }
        try
        {
            init.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            EndInit(e);
            return;
        }
        EndInit(null);
    }

    private async void AwaitInitAsync(ValueTask init)
    {
        Exception? failure = null;
        try
        {
            await init.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        EndInit(failure);
    }

    private void EndInit(Exception? failure)
    {
        if (failure is null && IsAlive)
        {
            _initialized = true;
            AcknowledgeStart();
            Loop();
            return;
        }

        // The start fails after the process has exited: whoever sees the error finds it gone and its name free (so a
        // retry can take the name), as gen_server:start returns only after the failed process has exited.
        var (reason, crash) = failure is null ? (ExitReason!, null) : Classify(failure);
        FailStart(reason, crash);
        FinishExit();
    }

    /// <summary>Handles messages while owning the mailbox.</summary>
    private protected void Loop()
    {
        var budget = Throughput;
        while (true)
        {
            if (!IsAlive)
            {
                FinishExit();
                return;
            }
            if (budget-- == 0)
            {
                Yield();
                return;
            }
            if (!_saved.TryTakeFirst(out var envelope) && !TryDequeue(out envelope))
            {
                if (TryRelease())
                {
                    budget = Throughput;
                    continue;
                }
                return;
            }

            if (envelope.Kind == EnvelopeKind.Stop)
            {
                _ = TerminateAndExitAsync((ExitReason)envelope.Message!, null);
                return;
            }
            if (IsExitFromParent(envelope, out var parentReason))
            {
                // A parent's exit signal ends a server that traps exits, after its terminate callback (gen_server).
                _ = TerminateAndExitAsync(parentReason, null);
                return;
            }
            _current = envelope;
            ValueTask callback;
            try
            {
                callback = Dispatch(envelope);
            }
            catch (Exception e)
            {
                callback = ValueTask.FromException(e);
            }
            if (!callback.IsCompleted)
            {
                _pendingCallback = callback;
                callback.GetAwaiter().UnsafeOnCompleted(_resume ??= Resume);
                return; // Ownership stays with this process; Resume carries on.
            }
            if (!callback.IsCompletedSuccessfully && !CallbackSucceeded(callback))
            {
                return;
            }
            _current = null;
        }
    }

    private void Resume()
    {
        var callback = _pendingCallback;
        _pendingCallback = default;
        if (CallbackSucceeded(callback))
        {
            _current = null;
            Loop();
        }
    }

    /// <summary>Observes a completed callback; on failure starts termination and returns false.</summary>
    private bool CallbackSucceeded(ValueTask callback)
    {
        try
        {
            callback.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e)
        {
            if (!IsAlive)
            {
                FinishExit(); // The process was ended from outside while the callback ran.
                return false;
            }
            var (reason, crash) = Classify(e);
            if (_current is { Kind: EnvelopeKind.Call } call)
            {
                call.ReplyTo!.Fail(call.ReplyToken, reason);
            }
            _current = null;
            _ = TerminateAndExitAsync(reason, crash);
            return false;
        }
    }

    private ValueTask Dispatch(Envelope envelope)
    {
        var message = envelope.Message!;
        switch (envelope.Kind)
        {
            case EnvelopeKind.Call:
                var from = envelope.From;
                var reply = _server.HandleCallAsync(message, from);
                if (reply.IsCompletedSuccessfully)
                {
                    Answer(from, reply.Result);
                    return ValueTask.CompletedTask;
                }
                return AwaitReplyAsync(reply, from);
            case EnvelopeKind.Cast:
                return _server.HandleCastAsync(message);
            default:
                return _server.HandleInfoAsync(message);
        }
    }

    private bool IsExitFromParent(Envelope envelope, out ExitReason reason)
    {
        if (envelope.Message is Exit exit && Parent is not null && exit.From == Parent && TrapExit)
        {
            reason = exit.Reason;
            return true;
        }
        reason = null!;
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitReplyAsync(ValueTask<object?> reply, CallFrom from) => Answer(from, await reply.ConfigureAwait(false));

    /// <summary>Sends a call's reply, or remembers the call when the server deferred it.</summary>
    private void Answer(CallFrom from, object? reply)
    {
        if (!ReferenceEquals(reply, GenServer.NoReply))
        {
            from.Target!.Reply(from.Token, reply);
            return;
        }
        _deferred ??= [];
        _deferred.RemoveAll(static call => !call.Target!.IsAwaiting(call.Token));
        _deferred.Add(from);
    }

    /// <summary>True while a call this server deferred still awaits its answer (owner only).</summary>
    private protected bool HasDeferredCalls
    {
        get
        {
            _deferred?.RemoveAll(static call => !call.Target!.IsAwaiting(call.Token));
            return _deferred is { Count: > 0 };
        }
    }

    /// <summary>Fails the deferred calls still awaiting an answer: the server that would answer has exited (owner only).</summary>
    private protected void FailDeferredCalls(ExitReason reason)
    {
        if (_deferred is null)
        {
            return;
        }
        foreach (var call in _deferred)
        {
            call.Target!.Fail(call.Token, reason);
        }
        _deferred = null;
    }

    /// <summary>Runs the terminate callback (ownership held), then exits with <paramref name="reason"/>.</summary>
    private protected async Task TerminateAndExitAsync(ExitReason reason, Exception? crash)
    {
        if (_terminating)
        {
            return;
        }
        _terminating = true;
        try
        {
            await _server.TerminateAsync(reason).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A terminate callback that throws changes the exit reason to its exception, as in gen_server.
            (reason, crash) = Classify(e);
        }
        Die(reason, crash);
        FinishExit();
    }

    /// <summary>
    /// Settles what the exited process leaves (ownership held): deferred calls fail, queued calls fail with the exit
    /// reason, other messages become dead letters; then releases the mailbox.
    /// </summary>
    private protected virtual void FinishExit()
    {
        FailDeferredCalls(ExitReason!);
        do
        {
            DrainAfterExit();
        }
        while (TryRelease());
    }

    private static (ExitReason Reason, Exception? Crash) Classify(Exception e) => e switch
    {
        ExitException exit => (exit.Reason, null),
        _ => (ProcessGrid.ExitReason.FromException(e), e),
    };
}
