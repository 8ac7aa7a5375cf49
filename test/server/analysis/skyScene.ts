import sharp from 'sharp';

/** A clear afternoon sky (R/B 0.33) and a bright cloud (R/B 0.98), and the ground below them. */
export const SKY_BLUE = { r: 74, g: 144, b: 226 };
export const SKY_CLOUD = { r: 220, g: 220, b: 225 };
export const SKY_GROUND = { r: 40, g: 90, b: 30 };

/**
 * The sky tests' scene, a JPEG of `width` × `height`: the top 30 % sky, its left half clear and
 * its right half cloud (so the sky analyzer reads about 50 % cloud), ground below.
 */
export async function skyScene(width: number, height: number): Promise<Buffer> {
  const skyH = Math.round(height * 0.3);
  const half = (background: { r: number; g: number; b: number }) =>
    sharp({ create: { width: width / 2, height: skyH, channels: 3, background } })
      .png()
      .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: SKY_GROUND } })
    .composite([
      { input: await half(SKY_BLUE), left: 0, top: 0 },
      { input: await half(SKY_CLOUD), left: width / 2, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .toBuffer();
}
