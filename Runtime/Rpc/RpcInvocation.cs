using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// One run of a function for one call or cast, queued to the thread pool so that functions run side by side and never
/// on a connection's reader: bind the arguments, run the function, answer with its result or with why there is none.
/// </summary>
/// <remarks>
/// A call is answered at most once, through its reply target (the caller's slot on this node, a reply frame to another
/// node). A cast has no one to answer, so what goes wrong is recorded here: bad arguments as a dead letter, an
/// exception in the log. A function that ends because the node is stopping (it observed its cancellation token) fails
/// its call with <c>nodedown</c>, as the caller would see if the node had gone before it answered; one that ends because
/// its caller's timeout passed is not answered, since the caller has stopped waiting and times the call out itself.
/// </remarks>
internal sealed class RpcInvocation(RpcService service, RpcFunction function, object?[] args, IReplyTarget? replyTo, long token, TimeSpan timeout)
    : IThreadPoolWorkItem
{
    /// <inheritdoc />
    void IThreadPoolWorkItem.Execute() => _ = RunAsync();

    private async Task RunAsync()
    {
        CancellationTokenSource? cancellation = null;
        try
        {
            if (function.WantsCancellation)
            {
                cancellation = CancellationTokenSource.CreateLinkedTokenSource(service.Stopping);
                if (timeout != Timeout.InfiniteTimeSpan)
                {
                    cancellation.CancelAfter(timeout); // The caller stops waiting then.
                }
            }
            if (!function.TryBind(args, service.Node, service.Node.Services, cancellation?.Token ?? default, out var values, out var problem))
            {
                service.Answer(replyTo, token, function.Name, args, new RpcFault(RpcFailure.Badarg, problem));
                return;
            }
            object? result;
            try
            {
                result = await function.InvokeAsync(values).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (service.Stopping.IsCancellationRequested)
            {
                service.AnswerStopping(replyTo, token, function.Name, args);
                return;
            }
            catch (OperationCanceledException) when (cancellation?.IsCancellationRequested == true && replyTo is not null)
            {
                // Its caller's timeout passed: the caller ends the call with timeout on its own clock. An answer now
                // could overtake that and turn the timeout into a cancellation the caller never asked for.
                return;
            }
            catch (Exception e)
            {
                service.Answer(replyTo, token, function.Name, args, RpcFault.Threw(e));
                return;
            }
            replyTo?.Reply(token, result);
        }
        catch (Exception e)
        {
            // Only a bug of the runtime's own gets here; the caller must still hear of it rather than wait.
            service.Answer(replyTo, token, function.Name, args, RpcFault.Threw(e));
        }
        finally
        {
            cancellation?.Dispose();
        }
    }
}
