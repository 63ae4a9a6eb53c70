"""VAE nodes with a transparent fake VAE (8x average pooling) so the pixel handling is checkable."""
import pytest
import torch
import torch.nn.functional as F


class PoolVAE:
    def encode(self, image):
        self.encoded = image
        x = image.movedim(-1, 1)
        return F.avg_pool2d(x, 8).repeat(1, 2, 1, 1)[:, :4]

    def decode(self, latent):
        return F.interpolate(latent[:, :3], scale_factor=8).movedim(1, -1).clamp(0, 1)

    def encode_tiled(self, image, tile, overlap):
        self.tiled_args = (tile, overlap)
        return self.encode(image)

    def decode_tiled(self, latent, tile, overlap):
        self.tiled_args = (tile, overlap)
        return self.decode(latent)


def test_vae_encode_center_crops_to_multiple_of_8_and_drops_alpha(make):
    vae = PoolVAE()
    image = torch.rand(1, 21, 19, 4)
    (lat,) = make("VAEEncode").encode(vae, image)
    assert vae.encoded.shape == (1, 16, 16, 3)
    assert torch.equal(vae.encoded, image[:, 2:18, 1:17, :3])
    assert lat["samples"].shape == (1, 4, 2, 2)


def test_vae_encode_for_inpaint_greys_masked_pixels_and_grows_mask(make):
    vae = PoolVAE()
    image = torch.zeros(1, 32, 32, 3)
    mask = torch.zeros(1, 32, 32)
    mask[:, 8:16, 8:16] = 1.0
    (lat,) = make("VAEEncodeForInpaint").encode(vae, image, mask, 6)
    enc = vae.encoded
    assert torch.all(enc[:, 8:16, 8:16] == 0.5) and torch.all(enc[:, :8] == 0.0)
    nm = lat["noise_mask"]
    assert nm.shape == (1, 1, 32, 32)
    # box kernel 6 with padding 3 (output 33 px, cropped to 32) grows the square by 2 up/left, 3 down/right
    rows = nm[0, 0, :, 12].nonzero().flatten()
    assert rows.min().item() == 6 and rows.max().item() == 18
    (lat0,) = make("VAEEncodeForInpaint").encode(vae, image, mask, 0)
    assert torch.equal(lat0["noise_mask"][0, 0], mask[0])


def test_vae_tiled_nodes_pass_tile_sizes(make):
    vae = PoolVAE()
    make("VAEDecodeTiled").decode(vae, {"samples": torch.zeros(1, 4, 4, 4)}, 256, 128)
    assert vae.tiled_args == (256, 64)  # overlap reduced to tile/4, in image pixels
    make("VAEEncodeTiled").encode(vae, torch.zeros(1, 32, 32, 3), 512, 64)
    assert vae.tiled_args == (512, 64)


def test_vae_decode(make):
    (image,) = make("VAEDecode").decode(PoolVAE(), {"samples": torch.full((2, 4, 2, 3), 0.5)})
    assert image.shape == (2, 16, 24, 3)


def test_tiny_image_is_a_clear_error(make):
    with pytest.raises(ValueError, match="VAEEncode: image 4x4 is smaller than 8x8"):
        make("VAEEncode").encode(PoolVAE(), torch.zeros(1, 4, 4, 3))


def test_inpaint_model_conditioning_sets_concat_inputs_and_latent(make):
    vae = PoolVAE()
    image = torch.rand(1, 16, 16, 3)
    mask = torch.zeros(1, 16, 16)
    mask[:, :8, :8] = 1.0
    pos = [[torch.zeros(1, 77, 8), {"pooled_output": None}]]
    neg = [[torch.ones(1, 77, 8), {}]]
    p, n, latent = make("InpaintModelConditioning").encode(pos, neg, vae, image, mask, True)
    grey = image.clone()
    grey[:, :8, :8] = 0.5
    assert torch.equal(p[0][1]["concat_latent_image"], vae.encode(grey))
    assert torch.equal(n[0][1]["concat_mask"], mask.reshape(1, 1, 16, 16))
    assert torch.equal(latent["samples"], vae.encode(image))
    assert torch.equal(latent["noise_mask"], mask.reshape(1, 1, 16, 16))
    assert "concat_mask" not in pos[0][1]
    _, _, latent = make("InpaintModelConditioning").encode(pos, neg, vae, image, mask, False)
    assert "noise_mask" not in latent
