using Exp22.Api.Runs;
using Exp22.Api.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Exp22.Api.OpenApi;

/// <summary>
/// What the generated document cannot know by itself and a generated client needs: the admin key as an
/// <c>apiKey</c> security scheme on the operations that check it (and explicitly none on the others),
/// <c>Retry-After</c> on the answers that carry it, a server URL relative to wherever the document was
/// fetched (a proxy or load balancer in front stays right), and what the tag is about.
/// </summary>
public static class DocumentConventions
{
    public const string AdminKeyScheme = "adminKey";

    public static OpenApiOptions AddDocumentConventions(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Servers = [new OpenApiServer { Url = "/", Description = "The server this document was fetched from." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[AdminKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = AdminKeyFilter.HeaderName,
                Description = $"The operator key ({AdminOptions.AdminKeyKey} on the server) for the operations that change runs others started.",
            };
            document.Tags = new HashSet<OpenApiTag>
            {
                new() { Name = RunsEndpoints.Tag, Description = "Demo runs of nested durable workflows: start, follow, list and cancel them." },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            operation.Security = SecurityOf(context);
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status is "429" or "503" && response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
                    };
                }
            }

            return Task.CompletedTask;
        });
        return options;
    }

    // With Api:AdminKey set the key is required; without it the server lets anyone through, and the
    // document says so with an alternative empty requirement. Every other operation needs nothing.
    private static List<OpenApiSecurityRequirement> SecurityOf(OpenApiOperationTransformerContext context)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminKeyRequirement>().Any())
            return [];
        var adminKey = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminKeyScheme, context.Document)] = [] };
        var keySet = context.ApplicationServices.GetRequiredService<IOptions<AdminOptions>>().Value.AdminKey is not null;
        return keySet ? [adminKey] : [adminKey, new OpenApiSecurityRequirement()];
    }
}
