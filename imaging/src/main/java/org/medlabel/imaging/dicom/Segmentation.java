package org.medlabel.imaging.dicom;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * A DICOM Segmentation (SEG) read as a label map: each frame is one segment's mask on one plane (per-frame or shared
 * functional groups give its position, orientation, pixel spacing and segment number). BINARY frames are bit-packed
 * (1 bit, least significant first, frames back to back); FRACTIONAL frames count where above half their maximum.
 *
 * @param segments segment number to its label (SegmentLabel)
 * @param referencedSeries the SeriesInstanceUID of the images it segments (ReferencedSeriesSequence), or null
 */
public record Segmentation(
        Map<Integer, String> segments, String referencedSeries, DicomObject dicom, List<Frame> frames) {

    public static final String SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4";

    public static Segmentation of(DicomObject seg) {
        String sopClass = seg.string(Tags.SOP_CLASS_UID);
        if (!SOP_CLASS.equals(sopClass)) {
            throw new DicomException("not a DICOM Segmentation (SOPClassUID " + sopClass + ")");
        }
        long bits = seg.integer(Tags.BITS_ALLOCATED, 0);
        if (bits != 1 && bits != 8) {
            throw new DicomException("SEG with BitsAllocated " + bits + "; BINARY (1) and FRACTIONAL (8) are read");
        }
        Map<Integer, String> segments = new TreeMap<>();
        for (DicomObject s : seg.sequence(Tags.SEGMENT_SEQUENCE)) {
            int number = (int) s.integer(Tags.SEGMENT_NUMBER, 0);
            String label = s.string(Tags.SEGMENT_LABEL);
            segments.put(number, label == null ? "segment_" + number : label);
        }
        int count = (int) seg.integer(Tags.NUMBER_OF_FRAMES, 1);
        List<Frame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            frames.add(Frame.of(seg, i));
        }
        DicomObject referenced = seg.item(Tags.REFERENCED_SERIES_SEQUENCE);
        long bytes = bits == 1
                ? ((long) count * (int) seg.integer(Tags.ROWS, 0) * (int) seg.integer(Tags.COLUMNS, 0) + 7) / 8
                : (long) count * (int) seg.integer(Tags.ROWS, 0) * (int) seg.integer(Tags.COLUMNS, 0);
        byte[] pixels = seg.bytes(Tags.PIXEL_DATA);
        if (pixels == null || pixels.length < bytes) {
            throw new DicomException("the SEG's pixel data is shorter than its " + count + " frames need");
        }
        return new Segmentation(
                segments, referenced == null ? null : referenced.string(Tags.SERIES_INSTANCE_UID), seg, frames);
    }

    /** The segment number a frame belongs to (per-frame, else shared SegmentIdentificationSequence). */
    int segmentOf(Frame frame) {
        DicomObject perFrame = frame.index()
                        < dicom.sequence(Tags.PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
                                .size()
                ? dicom.sequence(Tags.PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).get(frame.index())
                : null;
        for (DicomObject group : new DicomObject[] {perFrame, dicom.item(Tags.SHARED_FUNCTIONAL_GROUPS_SEQUENCE)}) {
            DicomObject id = group == null ? null : group.item(Tags.SEGMENT_IDENTIFICATION_SEQUENCE);
            if (id != null && id.contains(Tags.REFERENCED_SEGMENT_NUMBER)) {
                return (int) id.integer(Tags.REFERENCED_SEGMENT_NUMBER, 1);
            }
        }
        return 1;
    }

    /** Whether a pixel of a frame is in its segment (the frame's bit, or a fraction over half the maximum). */
    private static boolean set(byte[] data, boolean binary, long maxFraction, int frame, int pixel, int perFrame) {
        if (binary) {
            long bit = (long) frame * perFrame + pixel;
            return (data[(int) (bit >>> 3)] >> (bit & 7) & 1) != 0;
        }
        return (data[frame * perFrame + pixel] & 0xFF) * 2 > maxFraction;
    }

    /**
     * The label map on an image's grid (the series the SEG segments, as MedLabel stores it): each voxel the segment
     * number whose mask covers it (the highest where masks overlap), uint8. Every frame must lie on a plane of the
     * grid, in its orientation and pixel size.
     */
    public Volume onGrid(Grid grid) {
        Affine toVoxel = grid.affine().inverse();
        byte[] labels = new byte[(int) grid.voxelCount()];
        int perFrame = grid.nx() * grid.ny();
        byte[] data = dicom.bytes(Tags.PIXEL_DATA);
        boolean binary = dicom.integer(Tags.BITS_ALLOCATED, 1) == 1;
        long maxFraction = dicom.integer(0x00620010 /* MaximumFractionalValue */, 255);
        for (Frame f : frames) {
            if (f.rows() != grid.ny() || f.columns() != grid.nx()) {
                throw new DicomException("SEG frames are " + f.columns() + "x" + f.rows() + ", the image's slices "
                        + grid.nx() + "x" + grid.ny());
            }
            int k = slice(f, toVoxel, grid.nz());
            int segment = segmentOf(f);
            for (int p = 0; p < perFrame; p++) {
                if (set(data, binary, maxFraction, f.index(), p, perFrame)
                        && (labels[k * perFrame + p] & 0xFF) < segment) {
                    labels[k * perFrame + p] = (byte) segment;
                }
            }
        }
        return new Volume(grid.nx(), grid.ny(), grid.nz(), grid.affine(), new VoxelBuffer.UInt8(labels));
    }

    /** The SEG on a grid of its own: its frames' planes sorted along the normal (as a series is read). */
    public Volume volume() {
        Frame first = frames.get(0);
        double[] normal = first.normal();
        List<Double> planes = frames.stream()
                .map(f -> DicomSeries.dot(f.position(), normal))
                .distinct()
                .sorted(Comparator.naturalOrder())
                .toList();
        Frame lowest = frames.stream()
                .min(Comparator.comparingDouble(f -> DicomSeries.dot(f.position(), normal)))
                .orElseThrow();
        double step = planes.size() > 1 ? planes.get(1) - planes.get(0) : 1;
        Affine affine = DicomSeries.affine(first.orientation(), first.spacing(), lowest.position(), normal, step);
        int nz = planes.size() == 1 ? 1 : (int) Math.round((planes.get(planes.size() - 1) - planes.get(0)) / step) + 1;
        return onGrid(new Grid(first.columns(), first.rows(), nz, affine));
    }

    private static int slice(Frame f, Affine toVoxel, int nz) {
        double[] p = f.position();
        double[] o = f.orientation();
        double dc = f.spacing()[1];
        double dr = f.spacing()[0];
        double[] origin = voxel(toVoxel, p);
        double[] alongRow = voxel(toVoxel, new double[] {p[0] + o[0] * dc, p[1] + o[1] * dc, p[2] + o[2] * dc});
        double[] alongColumn = voxel(toVoxel, new double[] {p[0] + o[3] * dr, p[1] + o[4] * dr, p[2] + o[5] * dr});
        int k = (int) Math.round(origin[2]);
        boolean onGrid = Math.abs(origin[0]) < 0.01
                && Math.abs(origin[1]) < 0.01
                && Math.abs(origin[2] - k) < 0.01
                && near(alongRow, 1, 0, k)
                && near(alongColumn, 0, 1, k);
        if (!onGrid || k < 0 || k >= nz) {
            throw new DicomException(String.format(
                    "SEG frame %d (ImagePositionPatient %.3f\\%.3f\\%.3f) does not lie on a slice of the image",
                    f.index() + 1, p[0], p[1], p[2]));
        }
        return k;
    }

    private static boolean near(double[] v, double x, double y, double z) {
        return Math.abs(v[0] - x) < 0.01 && Math.abs(v[1] - y) < 0.01 && Math.abs(v[2] - z) < 0.01;
    }

    /** LPS millimetres to voxel coordinates of an RAS affine's inverse. */
    private static double[] voxel(Affine toVoxel, double[] lps) {
        return toVoxel.apply(-lps[0], -lps[1], lps[2]);
    }
}
