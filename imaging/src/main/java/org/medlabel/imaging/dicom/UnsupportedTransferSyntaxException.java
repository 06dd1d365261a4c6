package org.medlabel.imaging.dicom;

/** Pixel data in a transfer syntax MedLabel does not decode (compressed JPEG-family or RLE); names the syntax. */
public final class UnsupportedTransferSyntaxException extends DicomException {

    private final String uid;

    public UnsupportedTransferSyntaxException(String uid) {
        super("transfer syntax " + TransferSyntax.describe(uid) + " is not supported: MedLabel reads uncompressed"
                + " (implicit or explicit VR little endian, explicit big endian) and deflated DICOM; send the series"
                + " uncompressed (e.g. dcmdjpeg, gdcmconv --raw)");
        this.uid = uid;
    }

    public String uid() {
        return uid;
    }
}
