using System.Globalization;
using System.Text.Json;
using CompreFace.Grains.Storage;

namespace CompreFace.Grains.Webhooks;

/// <summary>
/// The JSON body of a delivery, snake_case like the face API: <c>{"id","type","timestamp","service_id","data":{…}}</c>
/// with <c>data</c> holding what the event concerns (<c>subject</c>, <c>subject_id</c>, <c>old_subject</c>, <c>image_id</c>,
/// <c>similarity</c>). <c>subject_id</c> is the key deliveries are ordered by: a subject deleted and created again under
/// the same name has a new one, so a receiver can tell the two apart whatever order their events reach it in.
/// </summary>
public static class WebhookPayload
{
    /// <summary>The body's UTF-8 bytes.</summary>
    public static byte[] Serialize(OutboxDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", delivery.EventId.ToString("D"));
            json.WriteString("type", delivery.Type);
            json.WriteString("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(delivery.CreatedAtMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("service_id", delivery.CollectionId.ToString("D"));
            json.WriteStartObject("data");
            if (delivery.Subject is not null)
            {
                json.WriteString("subject", delivery.Subject);
            }

            if (delivery.SubjectId is { } subjectId)
            {
                json.WriteString("subject_id", subjectId.ToString("D"));
            }

            if (delivery.OldSubject is not null)
            {
                json.WriteString("old_subject", delivery.OldSubject);
            }

            if (delivery.ImageId is { } imageId)
            {
                json.WriteString("image_id", imageId.ToString("D"));
            }

            if (delivery.Similarity is { } similarity)
            {
                json.WriteNumber("similarity", Math.Round(similarity, 5));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
