using System.Diagnostics;

namespace Broker.Hosting.Internal;

/// <summary>What the typed producers do with their activity around a send.</summary>
internal static class ProducerActivity
{
    /// <summary>Marks the activity failed; always false, for use as an exception filter that lets the exception fly.</summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return false;
    }

    /// <summary>Records the message id when the listener wants the details (the id is formatted only then).</summary>
    public static void Sent<TResult>(Activity? activity, TResult result, Func<TResult, string> messageId)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.message.id", messageId(result));
        }
    }
}
