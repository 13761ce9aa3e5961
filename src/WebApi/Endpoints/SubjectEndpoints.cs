namespace CompreFace.WebApi.Endpoints;

/// <summary>Subjects of a recognition service (docs/compreface-behaviour.md#subjects), behind a RECOGNITION key. Names match case-insensitively.</summary>
public static class SubjectEndpoints
{
    /// <summary>Maps <c>/api/v1/recognition/subjects</c>.</summary>
    public static RouteGroupBuilder MapSubjectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/recognition/subjects").WithTags("Recognition");
        group.MapPost(string.Empty, AddSubjectAsync).WithName("AddSubject")
            .WithJsonBody(SubjectExample).WithErrors(ApiErrors.SubjectAlreadyExists(), ApiErrors.ForbiddenNameCharacters(), ApiErrors.Validation("Subject name is empty; "));
        group.MapGet(string.Empty, ListSubjectsAsync).WithName("ListSubjects");
        group.MapDelete(string.Empty, DeleteAllSubjectsAsync).WithName("DeleteAllSubjects");
        group.MapPut("/{subject}", RenameSubjectAsync).WithName("RenameSubject")
            .WithJsonBody(SubjectExample).WithErrors(ApiErrors.SubjectNotFound("{subject}"), ApiErrors.ForbiddenNameCharacters());
        group.MapDelete("/{subject}", DeleteSubjectAsync).WithName("DeleteSubject")
            .WithErrors(ApiErrors.SubjectNotFound("{subject}"));
        return group;
    }

    private static System.Text.Json.Nodes.JsonObject SubjectExample => new() { ["subject"] = "Jane Doe" };

    /// <summary><c>POST /subjects</c> <c>{"subject":"n"}</c>: 201 <c>{"subject":"n"}</c>; an existing name is code 43.</summary>
    public static async Task<Created<SubjectResponse>> AddSubjectAsync([AsParameters] FaceServiceCall call)
    {
        var (request, grains, _, cancellationToken) = call;
        var service = call.Service;
        RequestBody.GetKind(request, acceptMultipart: false);
        var name = SubjectNames.Validate(await SubjectNames.ReadBodyAsync(request, cancellationToken));
        if (!await FaceCollections.Subjects(grains, service).AddSubjectAsync(name, cancellationToken))
        {
            throw ApiErrors.SubjectAlreadyExists();
        }

        return TypedResults.Created((string?)null, new SubjectResponse(name));
    }

    /// <summary><c>GET /subjects</c>: every name, in creation order.</summary>
    public static async Task<Ok<SubjectListResponse>> ListSubjectsAsync(
        [AsParameters] FaceServiceCall call)
    {
        var (service, grains, cancellationToken) = call;
        var names = await FaceCollections.Subjects(grains, service).ListSubjectsAsync(cancellationToken);
        return TypedResults.Ok(new SubjectListResponse(names));
    }

    /// <summary>
    /// <c>PUT /subjects/{subject}</c> with <c>{"subject":"new"}</c> or a bare JSON string (the .NET SDK):
    /// <c>{"updated":false}</c> only when the new name equals the old one exactly, checked before the old name is
    /// looked up (so an unknown subject renamed to itself is <c>false</c>, as in CompreFace); renaming onto an existing
    /// subject merges into it; an unknown old name is code 42.
    /// </summary>
    public static async Task<Ok<SubjectUpdatedResponse>> RenameSubjectAsync(
        string subject,
        [AsParameters] FaceServiceCall call)
    {
        var (request, grains, _, cancellationToken) = call;
        var service = call.Service;
        RequestBody.GetKind(request, acceptMultipart: false);
        var newName = SubjectNames.Validate(await SubjectNames.ReadBodyAsync(request, cancellationToken));
        if (string.Equals(subject, newName, StringComparison.Ordinal))
        {
            return TypedResults.Ok(new SubjectUpdatedResponse(false));
        }

        var outcome = await FaceCollections.Subjects(grains, service).RenameSubjectAsync(subject, newName, cancellationToken);
        return outcome switch
        {
            SubjectRenameOutcome.NotFound => throw ApiErrors.SubjectNotFound(subject),
            SubjectRenameOutcome.Unchanged => TypedResults.Ok(new SubjectUpdatedResponse(false)),
            _ => TypedResults.Ok(new SubjectUpdatedResponse(true)),
        };
    }

    /// <summary><c>DELETE /subjects/{subject}</c>: the stored name; its examples and images go too; unknown is code 42.</summary>
    public static async Task<Ok<SubjectResponse>> DeleteSubjectAsync(
        string subject,
        [AsParameters] FaceServiceCall call)
    {
        var (service, grains, cancellationToken) = call;
        var deletion = await FaceCollections.Subjects(grains, service).DeleteSubjectAsync(subject, cancellationToken)
            ?? throw ApiErrors.SubjectNotFound(subject);
        return TypedResults.Ok(new SubjectResponse(deletion.Subject));
    }

    /// <summary><c>DELETE /subjects</c>: every subject with its examples and images; <c>{"deleted":&lt;subjects&gt;}</c>.</summary>
    public static async Task<Ok<DeletedCountResponse>> DeleteAllSubjectsAsync(
        [AsParameters] FaceServiceCall call)
    {
        var (service, grains, cancellationToken) = call;
        var deleted = await FaceCollections.Subjects(grains, service).DeleteAllSubjectsAsync(cancellationToken);
        return TypedResults.Ok(new DeletedCountResponse(deleted));
    }
}
