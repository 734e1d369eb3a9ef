namespace ProcessGrid;

/// <summary>
/// A process written as straight-line code that receives messages, like an Erlang function: override
/// <see cref="RunAsync"/>. The process exits <c>normal</c> when it returns, or with the exception it throws.
/// </summary>
/// <remarks>
/// Started with <c>StartAsync</c> or <c>StartLinkAsync</c>, the process counts as started when its code first waits
/// for a message (or returns): the setup before that (<c>ctx.TrapExit = true</c>, registering, linking) has run by the
/// time the start returns, as with <c>proc_lib:init_ack</c>. If the code throws before that, the start fails with
/// <see cref="ProcessStartException"/>.
/// </remarks>
/// <example>
/// <code>
/// public sealed class Echo : GridProcess
/// {
///     protected override async Task RunAsync(IProcessContext ctx)
///     {
///         while (true)
///         {
///             var (from, text) = await ctx.Receive&lt;(Pid, string)&gt;();
///             ctx.Send(from, text);
///         }
///     }
/// }
/// </code>
/// </example>
public abstract class GridProcess : ProcessBehavior
{
    /// <summary>The process's code.</summary>
    /// <param name="ctx">The process's context (also available as <see cref="ProcessBehavior.Context"/>).</param>
    protected internal abstract Task RunAsync(IProcessContext ctx);
}
