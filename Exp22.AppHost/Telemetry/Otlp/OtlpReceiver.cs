using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Exp22.AppHost.Telemetry.Otlp;

/// <summary>
/// OTLP/HTTP with binary protobuf bodies (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): the paths
/// every OTLP exporter appends to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. Answers as the specification asks:
/// 200 with an export response, 400 for a body that does not parse, 415 for another encoding.
/// </summary>
public static class OtlpReceiver
{
    public const string ProtobufContentType = "application/x-protobuf";

    // A batch of 512 spans is well under 1 MiB; this leaves room for large log bodies and bursts.
    private const long MaxBodyBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/traces", (HttpContext context, OtlpTranslation translation) =>
            ReceiveAsync(context, ExportTraceServiceRequest.Parser, request =>
            {
                translation.Accept(request);
                return new ExportTraceServiceResponse();
            }));
        endpoints.MapPost("/v1/logs", (HttpContext context, OtlpTranslation translation) =>
            ReceiveAsync(context, ExportLogsServiceRequest.Parser, request =>
            {
                translation.Accept(request);
                return new ExportLogsServiceResponse();
            }));
        endpoints.MapPost("/v1/metrics", (HttpContext context, OtlpTranslation translation) =>
            ReceiveAsync(context, ExportMetricsServiceRequest.Parser, request =>
            {
                var refused = translation.Accept(request);
                return refused == 0
                    ? new ExportMetricsServiceResponse()
                    : new ExportMetricsServiceResponse
                    {
                        PartialSuccess = new ExportMetricsPartialSuccess
                        {
                            RejectedDataPoints = refused,
                            ErrorMessage = "the dashboard keeps a bounded number of series per resource",
                        },
                    };
            }));
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(
        HttpContext context, MessageParser<TRequest> parser, Func<TRequest, IMessage> accept)
        where TRequest : IMessage<TRequest>
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: $"Send OTLP as binary protobuf with Content-Type: {ProtobufContentType} (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).");
        }

        if (context.Request.ContentLength > MaxBodyBytes)
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"An export may hold at most {MaxBodyBytes} bytes.");

        TRequest request;
        try
        {
            request = parser.ParseFrom(await ReadBodyAsync(context.Request, context.RequestAborted));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: $"The body is not an OTLP export request: {e.Message}");
        }

        return new ProtobufResult(accept(request));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var gzip = string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);
        await using var source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            // Counted after decompression, so a small gzip body cannot inflate without bound.
            if (buffer.Length + read > MaxBodyBytes)
                throw new InvalidDataException($"the body exceeds {MaxBodyBytes} bytes");
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private sealed class ProtobufResult(IMessage message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = ProtobufContentType;
            return httpContext.Response.Body.WriteAsync(message.ToByteArray()).AsTask();
        }
    }
}
