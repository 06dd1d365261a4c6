package org.medlabel.imaging.dicom;

import java.nio.ByteOrder;
import java.util.Map;

/** The transfer syntaxes MedLabel decodes: native (uncompressed) pixel data, optionally deflated. */
enum TransferSyntax {
    IMPLICIT_LITTLE("1.2.840.10008.1.2", false, ByteOrder.LITTLE_ENDIAN, false),
    EXPLICIT_LITTLE("1.2.840.10008.1.2.1", true, ByteOrder.LITTLE_ENDIAN, false),
    DEFLATED_EXPLICIT_LITTLE("1.2.840.10008.1.2.1.99", true, ByteOrder.LITTLE_ENDIAN, true),
    EXPLICIT_BIG("1.2.840.10008.1.2.2", true, ByteOrder.BIG_ENDIAN, false);

    /** Names of the syntaxes we refuse, for the message that refuses them. */
    private static final Map<String, String> OTHER_NAMES = Map.ofEntries(
            Map.entry("1.2.840.10008.1.2.4.50", "JPEG Baseline"),
            Map.entry("1.2.840.10008.1.2.4.51", "JPEG Extended"),
            Map.entry("1.2.840.10008.1.2.4.57", "JPEG Lossless"),
            Map.entry("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"),
            Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
            Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
            Map.entry("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
            Map.entry("1.2.840.10008.1.2.4.91", "JPEG 2000"),
            Map.entry("1.2.840.10008.1.2.4.201", "HTJ2K Lossless"),
            Map.entry("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL"),
            Map.entry("1.2.840.10008.1.2.4.203", "HTJ2K"),
            Map.entry("1.2.840.10008.1.2.5", "RLE Lossless"));

    final String uid;
    final boolean explicitVr;
    final ByteOrder order;
    final boolean deflated;

    TransferSyntax(String uid, boolean explicitVr, ByteOrder order, boolean deflated) {
        this.uid = uid;
        this.explicitVr = explicitVr;
        this.order = order;
        this.deflated = deflated;
    }

    static TransferSyntax of(String uid) {
        for (TransferSyntax syntax : values()) {
            if (syntax.uid.equals(uid)) {
                return syntax;
            }
        }
        throw new UnsupportedTransferSyntaxException(uid);
    }

    static String describe(String uid) {
        String name = OTHER_NAMES.get(uid);
        return name == null ? uid : uid + " (" + name + ")";
    }
}
