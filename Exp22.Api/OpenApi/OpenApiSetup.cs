using System.Text.Json.Serialization;

namespace Exp22.Api.OpenApi;

/// <summary>The OpenAPI document served at <c>/openapi/v1.json</c>.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddApiOpenApi(this IServiceCollection services)
    {
        // The web defaults read numbers from strings too, and the schema would say so ("integer" or
        // "string"); the API's own body reader accepts JSON numbers only, so the schema must say that.
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);

        services.AddOpenApi(options => options
            .AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Exp22 API";
                document.Info.Description = "Start demo runs of durable nested workflows, follow them and cancel them. " +
                    "Errors are RFC 7807 problem details; 400s name the field and its accepted range; 429 and 503 carry Retry-After.";
                return Task.CompletedTask;
            })
            .AddDocumentConventions());
        return services;
    }
}
