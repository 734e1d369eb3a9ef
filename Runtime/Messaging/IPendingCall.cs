namespace ProcessGrid.Runtime.Messaging;

/// <summary>A call's reply target that can be registered with whoever may end it early (see <see cref="ICallWatch"/>).</summary>
internal interface IPendingCall : IReplyTarget
{
    /// <summary>Records that the call is registered as <paramref name="key"/> with <paramref name="watch"/>.</summary>
    void SetWatch(ICallWatch watch, long key);
}
