package org.medlabel.datastore.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.medlabel.datastore.dicomweb.PacsImages;
import org.medlabel.datastore.dicomweb.PacsSegmentations;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.service.ImageService;
import org.medlabel.datastore.service.QueryService;
import org.medlabel.datastore.service.Upload;

/** Images: upload (NIfTI, NRRD), metadata, bytes, info, deletion. */
@Path("/images")
@Produces(MediaType.APPLICATION_JSON)
public class ImageResource {

    private final ImageService images;
    private final QueryService queries;
    private final Requests requests;
    private final PacsImages pacs;
    private final PacsSegmentations segmentations;

    public ImageResource(
            ImageService images,
            QueryService queries,
            Requests requests,
            PacsImages pacs,
            PacsSegmentations segmentations) {
        this.images = images;
        this.queries = queries;
        this.requests = requests;
        this.pacs = pacs;
        this.segmentations = segmentations;
    }

    /** The image, fetched from the PACS first when this is a DICOMweb datastore and it is not stored yet. */
    private ImageEntity image(String id) {
        pacs.ensure(id);
        return images.get(id);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(
            summary = "Add an image (NIfTI, NRRD, or the DICOM files or a zip of one series, stored as NIfTI); its id"
                    + " is the first file's name minus all suffixes unless 'id' is given")
    public Response add(
            @RestForm("file") List<FileUpload> files, @RestForm("params") String params, @RestQuery("id") String id) {
        ImageEntity image = images.add(id, requests.uploads(files, "file", params));
        return Response.status(Response.Status.CREATED)
                .entity(Views.ImageView.of(image))
                .build();
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(
            summary = "Add or replace the image with this id (NIfTI, NRRD, or the DICOM files or a zip of one series)")
    public Views.ImageView put(
            @RestPath String id, @RestForm("file") List<FileUpload> files, @RestForm("params") String params) {
        return Views.ImageView.of(images.add(id, requests.uploads(files, "file", params)));
    }

    @PUT
    @Path("/{id}/file")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Add or replace the image with the request body as its bytes (no multipart decoding: the fast way"
                    + " for large volumes); 'name' gives the file name and so the format, e.g. ct.nii.gz")
    public Views.ImageView putBytes(
            @RestPath String id, @RestQuery String name, @RestQuery String params, InputStream body) {
        Upload upload = requests.spool(body, name, params);
        try {
            return Views.ImageView.of(images.add(id, upload));
        } finally {
            upload.discard();
        }
    }

    @POST
    @Path("/{id}/dicom-seg")
    @Consumes(MediaType.WILDCARD)
    @Produces("application/dicom")
    @Operation(
            summary =
                    "The request body, a label on this DICOM image's grid ('name' gives its format, e.g. label.nii.gz),"
                            + " as a DICOM SEG of the image's series; 'labels' (JSON: name to value) names the segments")
    public Response dicomSeg(@RestPath String id, @RestQuery String name, @RestQuery String labels, InputStream body)
            throws IOException {
        ImageEntity image = image(id);
        Upload upload = requests.spool(body, name, null);
        try {
            Map<Integer, String> names =
                    PacsSegmentations.names(Map.of("label_names", requests.object(labels, "labels")));
            byte[] seg = segmentations.segOf(image, upload.file(), name, names, "MedLabel inference");
            return Response.ok(seg, "application/dicom")
                    .header("Content-Disposition", "attachment; filename=\"" + id + ".dcm\"")
                    .build();
        } finally {
            upload.discard();
        }
    }

    @GET
    @Operation(summary = "Images in id order, one page at a time")
    public Views.Page<Views.ImageView> list(@RestQuery Integer offset, @RestQuery Integer limit) {
        int from = Requests.offset(offset);
        int size = requests.limit(limit);
        List<Views.ImageView> page =
                queries.images(from, size).stream().map(Views.ImageView::of).toList();
        return new Views.Page<>(page, from, page.size() == size ? from + size : null);
    }

    @GET
    @Path("/{id}")
    public Views.ImageView get(@RestPath String id) {
        return Views.ImageView.of(image(id));
    }

    @GET
    @Path("/{id}/file")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "The image's bytes, streamed, with its file name")
    public Response file(@RestPath String id) {
        ImageEntity image = image(id);
        return Requests.file(() -> images.open(image), image.fileName(), image.sizeBytes);
    }

    @HEAD
    @Path("/{id}/file")
    @Operation(summary = "200 if the image exists (and, given 'checksum' as SHA256:<hex> or <hex>, has those bytes)")
    public Response exists(@RestPath String id, @RestQuery String checksum) {
        ImageEntity image = image(id);
        if (checksum != null && !checksum.isBlank()) {
            String hex = checksum.toLowerCase(Locale.ROOT);
            hex = hex.startsWith("sha256:") ? hex.substring(7) : hex;
            if (!hex.equals(image.sha256)) {
                throw new DatastoreException(ErrorCode.CHECKSUM_MISMATCH, "image '" + id + "' has another checksum");
            }
        }
        return Response.ok().header("Content-Length", image.sizeBytes).build();
    }

    @GET
    @Path("/{id}/info")
    public Map<String, Object> info(@RestPath String id) {
        return image(id).info;
    }

    @PUT
    @Path("/{id}/info")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Merge the given keys into the image's info")
    public Map<String, Object> mergeInfo(@RestPath String id, Map<String, Object> info) {
        return images.mergeInfo(id, info == null ? Map.of() : info, requests.author(info));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete the image and all its labels")
    public Response delete(@RestPath String id) {
        images.delete(id);
        return Response.noContent().build();
    }
}
