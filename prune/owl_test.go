package prune

import (
	"math"
	"math/rand"
	"testing"
)

func TestOutlierRatioHandExample(t *testing.T) {
	// Pool {1,1,1,1,1,1,1,13} over two "matrices": mean 2.5, m = 3 →
	// threshold 7.5, one outlier of eight → 12.5%.
	got := OutlierRatio([][]float32{{1, 1, 1}, {1, 1, 1, 1, 13}}, 3)
	if got != 12.5 {
		t.Fatalf("D = %v, want 12.5", got)
	}
	// Strictly greater: {0, 0, 3} has mean 1, and 3 > 3·1 is false.
	if got := OutlierRatio([][]float32{{0, 0, 3}}, 3); got != 0 {
		t.Fatalf("D = %v, want 0 (a score equal to the threshold is not an outlier)", got)
	}
	// Hyper_m = 5 with 7 matrices of different sizes: 3 outliers of 26.
	scores := make([][]float32, 7)
	n := 0
	for k := range scores {
		scores[k] = make([]float32, 2+k%3*2)
		for j := range scores[k] {
			scores[k][j] = 1
		}
		n += len(scores[k])
	}
	scores[1][0], scores[4][1], scores[6][1] = 100, 100, 100
	// mean = (n−3 + 300)/n; threshold 5·mean; the three 100s exceed it.
	want := float64(3) / float64(n) * 100
	if got := OutlierRatio(scores, 5); got != want {
		t.Fatalf("D = %v, want %v (n = %d)", got, want, n)
	}
	if got := OutlierRatio(nil, 3); got != 0 {
		t.Fatalf("empty pool: %v", got)
	}
}

// TestOutlierRatioFloat32 checks the float32 threshold against a direct
// computation on a large random pool spread over uneven slices (many
// 4096-chunks, several goroutines).
func TestOutlierRatioFloat32(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var scores [][]float32
	var sum float64
	total := 0
	for _, n := range []int{10000, 1, 4096, 12345, 77} {
		s := make([]float32, n)
		for j := range s {
			s[j] = float32(r.ExpFloat64())
			sum += float64(s[j])
		}
		scores = append(scores, s)
		total += n
	}
	thr := float32(sum) / float32(total) * float32(3.0)
	count := 0
	for _, s := range scores {
		for _, v := range s {
			if v > thr {
				count++
			}
		}
	}
	if got, want := OutlierRatio(scores, 3), float64(count)/float64(total)*100; got != want {
		t.Fatalf("D = %v, want %v", got, want)
	}
}

// owlGolden holds the results of the reference's own numpy expressions
// (prune_wanda_outlier's mapping and layer_sparsity_ratio guard, run with
// numpy 1.24.2 in float64) on random ratios; the sizes cover numpy's
// pairwise summation below 8, up to 128 and recursive.
var owlGolden = []struct {
	ratios         []float64
	target, lambda float64
	want           []float64
}{
	{ratios: []float64{0x1.1b52c57b54280p-1, 0x1.3ea849c6c09b4p-2, 0x1.02e51928902ffp+0, 0x1.9c7d4426583e6p-3, 0x1.b351f9fba2513p-1, 0x1.395368a76af54p-1, 0x1.7318324609b62p-3, 0x1.9eee102009760p-1, 0x1.384ebbb8674afp-3, 0x1.6a0987a577dd9p-1, 0x1.9516e78974203p-3, 0x1.d0e4712be534ap-3, 0x1.637ecf9218a71p-1, 0x1.41f19cf955135p+0, 0x1.17e1eaf6953e9p-2, 0x1.a66f750a9bb08p-2, 0x1.f4f1b2c109597p-1, 0x1.6d4246492be22p+0, 0x1.d0de0d8143b6fp-1, 0x1.4f8a626ad7dc1p-1, 0x1.777d657d1abe4p+0, 0x1.525ca2fab56d0p-3, 0x1.4d466cac5dc15p+0, 0x1.02cabc58c13e6p-1, 0x1.35343f141745dp-2, 0x1.0f4456ffe8612p-2, 0x1.1051dc8bcc8eap-1, 0x1.3e198518275a4p+0, 0x1.697d4545aae6ap-2, 0x1.d4174b9994752p-1, 0x1.fd2c552a6ee90p-1, 0x1.3e22726f21393p-1}, target: 0.7, lambda: 0.08, want: []float64{0x1.6cfab68aa5ad4p-1, 0x1.7c1319598d433p-1, 0x1.506f6370ae670p-1, 0x1.82eacff613939p-1, 0x1.5a799da04edb8p-1, 0x1.6953a9b635bf2p-1, 0x1.842d565ec7928p-1, 0x1.5cf5182625f22p-1, 0x1.85f75f52e7b04p-1, 0x1.636589072ba80p-1, 0x1.832477c34ba25p-1, 0x1.815284746890fp-1, 0x1.64316ae77a0a6p-1, 0x1.411574ea07e2fp-1, 0x1.7e6f52bddd5b2p-1, 0x1.75c1f077a67dcp-1, 0x1.527c65afc86d0p-1, 0x1.36899000cdc77p-1, 0x1.56e0c182f8344p-1, 0x1.669f52d8d67d7p-1, 0x1.340bda342f5e6p-1, 0x1.852c5f300847bp-1, 0x1.3e5328fd3e0cep-1, 0x1.6ff740915d646p-1, 0x1.7ca6688f2dee0p-1, 0x1.7ef593fd0734ep-1, 0x1.6e51a5a73f72ep-1, 0x1.420510ecfd534p-1, 0x1.7977a76560cf7p-1, 0x1.567c4a3531a92p-1, 0x1.517beed7f42adp-1, 0x1.68bdcb7b67e64p-1}},
	{ratios: []float64{0x1.bbd2bf663482fp-1, 0x1.80d41bca45044p-3, 0x1.77b03fddda608p-3, 0x1.8da993bf5b838p-2, 0x1.0d7491d7d2317p+0}, target: 0.5, lambda: 0.08, want: []float64{0x1.c199020c4e51cp-2, 0x1.20cb0830d932ep-1, 0x1.2136b88a16b6fp-1, 0x1.0de68ad38a886p-1, 0x1.9e9666d6bcca0p-2}},
	{ratios: []float64{0x1.65b2baec0a29ap-1, 0x1.146175035163ap-1, 0x1.d6ee453923eddp-1, 0x1.780ae546cc3b3p-1, 0x1.0a12af0975826p-1, 0x1.364e3c34da824p+0, 0x1.141e9e6fbc829p+0}, target: 0.6, lambda: 0.2, want: []float64{0x1.55894ffb1178ap-1, 0x1.848277ed8ddafp-1, 0x1.142094257dfe2p-1, 0x1.4af08f2f33445p-1, 0x1.8a76c365ecd67p-1, 0x1.7b53ed3240134p-2, 0x1.ca51825411e06p-2}},
	{ratios: []float64{0x1.c45635c1de508p-2, 0x1.cef2690e1a31ap-1, 0x1.aba92db92994bp-1, 0x1.533fd0b5c9a77p+0, 0x1.1f087f40e863bp+0, 0x1.0198029cf6754p-1, 0x1.78e508c9aded1p+0, 0x1.0fa8bac2236bap-2, 0x1.5ee91281fb08dp-1, 0x1.28f59548ec91dp+0, 0x1.4048f7a73df50p-2, 0x1.91b051f2958c4p-1, 0x1.3d370d58c9a27p-3, 0x1.0916ac1047038p+0, 0x1.2b9f4865cd425p+0, 0x1.cdf1eb204d86bp-1, 0x1.535f0a17dcbb1p+0, 0x1.14181e9e79973p-1, 0x1.12cb3a5c7ced0p+0, 0x1.dd3e8c461a20ap-1, 0x1.d2de6f143396dp-1, 0x1.7a353e462941cp-1, 0x1.46a4fad764a23p+0, 0x1.6c2c77e5b17acp+0, 0x1.87089fcb4145ap-1, 0x1.07a1d49c83125p+0, 0x1.7ac05a9fa5c2dp-3, 0x1.1503c607786cdp+0, 0x1.0187ee66b1264p+0, 0x1.7d868cb81e92ap+0, 0x1.402d87272a2a3p+0, 0x1.fe656a66d1d7ep-2, 0x1.47bc3d02adc67p-1, 0x1.093ec10f8bbbdp+0, 0x1.0d7e0fb787480p-3, 0x1.7e24a7863fe4bp-1, 0x1.57506c8713a7ep-2, 0x1.0e44be7211dd6p-2, 0x1.75d5884e34a64p-3, 0x1.2cef48b346e63p+0}, target: 0.7, lambda: 0.02, want: []float64{0x1.6c37f9ba2b92bp-1, 0x1.653f86fe1b3b8p-1, 0x1.664974acc9112p-1, 0x1.5ee70d7a50876p-1, 0x1.61fa174f405b6p-1, 0x1.6b4b246ddadd8p-1, 0x1.5cafa261e4228p-1, 0x1.6ee0cd280f4fdp-1, 0x1.688bdfde47645p-1, 0x1.61647a3bb7407p-1, 0x1.6e2991f559acdp-1, 0x1.670d30dcf32a8p-1, 0x1.708accd054b06p-1, 0x1.6344db34fd592p-1, 0x1.613c572a727a2p-1, 0x1.6547140202a5bp-1, 0x1.5ee536d84bf00p-1, 0x1.6abfb767e9262p-1, 0x1.62b29231d44e2p-1, 0x1.64d3c6e1416e8p-1, 0x1.6521f84f6f84cp-1, 0x1.67be267fd9b30p-1, 0x1.5fa50aa960aaep-1, 0x1.5d6f5fafbf8d1p-1, 0x1.675d7dc29b6eep-1, 0x1.635acef19f676p-1, 0x1.7016dc2d57a64p-1, 0x1.629118aab8485p-1, 0x1.63b6c50338726p-1, 0x1.5c69d57144ecap-1, 0x1.600682d2bb47cp-1, 0x1.6b5d327f174f0p-1, 0x1.693a87d691d10p-1, 0x1.63427f0fdcc28p-1, 0x1.70e4b6b8f3011p-1, 0x1.67a07e4972e2ep-1, 0x1.6dd2cad17f07ep-1, 0x1.6ee60a92ff372p-1, 0x1.70201fe8fac0cp-1, 0x1.61288eb6e1d3ap-1}},
	{ratios: []float64{0x1.1fd277eab6f7ap-2, 0x1.c96170adb4090p-2, 0x1.4b6ec88558c38p-1, 0x1.51eaea2971893p+0, 0x1.b3d7bba20692ap-3, 0x1.752d728a6327ap-1, 0x1.bd09dce5b1c33p-1, 0x1.56346b5fbbfa8p+0, 0x1.3f3ada5349911p+0, 0x1.4f40854bd98eep+0, 0x1.f58b604b62e3cp-2, 0x1.5ce27171fcc98p-1, 0x1.345dfef05f3a6p-1, 0x1.567ea5443e67bp+0, 0x1.70d9d230bcd7cp+0, 0x1.3ec29d28788a0p-2, 0x1.6306969b1cd7ep-2, 0x1.b2eef0f601958p-2, 0x1.b4e91db55c986p-2, 0x1.8ed23fbdaa7dcp-1, 0x1.d97bd59056820p-1, 0x1.df12d465b8d3ep-2, 0x1.b11309353888cp-4, 0x1.5f8037d64ca23p-1, 0x1.3be186a9d6d55p-1, 0x1.c9274482f2964p-1, 0x1.6f30b7459f3cap+0, 0x1.1112ab534ad0bp+0, 0x1.a4b44a5523db4p-1, 0x1.ede3f6ade28f0p-1, 0x1.0bf33a6124718p+0, 0x1.679bc1a3a93e6p-3, 0x1.5bfe1d0d6b7d5p+0, 0x1.31241cddd8315p+0, 0x1.530688d1b0946p+0, 0x1.378ec72c41603p+0, 0x1.4c750b16ddf63p-1, 0x1.51302289b6912p-1, 0x1.f5a95bac93e92p-3, 0x1.f9dbd7bd7acafp-1, 0x1.7f46e67783b36p-3, 0x1.8de62a60e7a56p-3, 0x1.91aed2b55c3ecp-2, 0x1.4f13edfa1961ep-2, 0x1.26f35135d33ddp-1, 0x1.638b7624b15e5p-3, 0x1.9af00f2fded87p-4, 0x1.3f40df468fe3ap-2, 0x1.efb7f8874da0cp-3, 0x1.37d5e95d640f4p-1, 0x1.15ea884c66ae8p-3, 0x1.52f5f202ea915p+0, 0x1.eb5d59bb4f660p-1, 0x1.3b5caa71afaa8p-2, 0x1.d009667805160p-2, 0x1.2c3575a92a0a0p-1, 0x1.383b7b84157f2p-1, 0x1.1681b1fb1243ep-2, 0x1.49dbe70f7727ap+0, 0x1.7d872c05680e7p+0, 0x1.8138a377d7e91p-1, 0x1.8e033f1bf124bp-1, 0x1.c30c6a9a0d3ccp-3, 0x1.f1cad67315482p-3, 0x1.28cd268255e14p-1, 0x1.e1f49a55c4e06p-2, 0x1.42a969989aa92p+0, 0x1.4dd6a0dc86f30p-2, 0x1.0f052216595b9p-3, 0x1.6e6ee81dd9bcep+0, 0x1.addadac6d0220p-1, 0x1.3891c42edc302p-2, 0x1.b88bc651e84f6p-1, 0x1.1a561342eb1e6p-3, 0x1.adbfb4744f0fdp-1, 0x1.784b7afccd7ccp+0, 0x1.4f040450e094fp+0, 0x1.131deeff79de8p+0, 0x1.dcbc185ce58f2p-2, 0x1.3a0ce7b7c7abdp-1, 0x1.55df180c8a6eap-2, 0x1.2e43363d2e5d9p+0, 0x1.b0f654bd530ccp-1, 0x1.30d032a9b8881p+0, 0x1.1f80fd85d3400p-1, 0x1.a6270d077d912p-2, 0x1.3c7214dceb97ep+0, 0x1.7a98f5885f72cp+0, 0x1.4b2ea22257b0dp+0, 0x1.3a7fa1f11fe3ap+0, 0x1.3ee3f991f35e6p+0, 0x1.22c53edd96c93p+0, 0x1.ab7427d7067a2p-2, 0x1.a63e51ec273b8p-1, 0x1.3211360e4c46ep-1, 0x1.1fe452c912ecap-3, 0x1.1ce6b3e7fa168p-3, 0x1.f6f9736e39b50p-2, 0x1.d9f3ce55e6b34p-2, 0x1.11ccc3e1829e5p+0, 0x1.706a3da90616cp+0, 0x1.73c5d62ed8f51p-1, 0x1.696dab86cbcf5p+0, 0x1.7bb67cafa8923p+0, 0x1.6fdf4a3875514p+0, 0x1.38922d3a6a8d2p-1, 0x1.a2746cdf1b478p-2, 0x1.ab9b2e6dd69cep-2, 0x1.8065e06fb8f96p-2, 0x1.8b63c0567dd0ep-2, 0x1.f287e218473f3p-1, 0x1.5c45400823c64p+0, 0x1.46cfe55349160p+0, 0x1.8ae2f51176d8ep-1, 0x1.03a098bc36257p+0, 0x1.38313bc3365d6p+0, 0x1.bfe07af7f0296p-3, 0x1.065a98fef8c03p+0, 0x1.5faa042b01a38p+0, 0x1.31fa33d979921p+0, 0x1.26734988edf45p+0, 0x1.89da974fa7c75p-1, 0x1.66542800f5996p-2, 0x1.346d17694925bp+0, 0x1.218c5f47c5d55p-1, 0x1.389d7b97302e6p+0, 0x1.75d78b805676ap+0, 0x1.4eefe1697fca7p-1, 0x1.52ea008f6786dp-1, 0x1.6cee9aa3cdec0p+0}, target: 0.7, lambda: 0.08, want: []float64{0x1.83e50212529e7p-1, 0x1.7a22cbca5b74ap-1, 0x1.6e4f4207de31ap-1, 0x1.46aaa8ad6260dp-1, 0x1.87eae6862dd88p-1, 0x1.6981274f5cfc6p-1, 0x1.613b9b55e3e26p-1, 0x1.45adffc2afcadp-1, 0x1.4af8031360474p-1, 0x1.4747c13de47f2p-1, 0x1.77981a4eae505p-1, 0x1.6c4d0054f3d0cp-1, 0x1.70f6eff153ae7p-1, 0x1.459ce9473b14ep-1, 0x1.3f8b9fb796cc3p-1, 0x1.821d2d932db8bp-1, 0x1.8006daed3fd19p-1, 0x1.7b6d8694e94a9p-1, 0x1.7b5064ca0feb0p-1, 0x1.668d8096df843p-1, 0x1.5df56795e3964p-1, 0x1.78e32e338a5d4p-1, 0x1.8e3a7bd939d9cp-1, 0x1.6bffe7e5e951cp-1, 0x1.701986c6f26cbp-1, 0x1.5fd69d6ec3ba3p-1, 0x1.3fed7d15fe25ep-1, 0x1.55984034c3af6p-1, 0x1.6408abc640304p-1, 0x1.5b9c12cd75dc2p-1, 0x1.56c6295dab3a7p-1, 0x1.8a1c811e0da4dp-1, 0x1.4458e4d4686b0p-1, 0x1.4e365493d196dp-1, 0x1.46695daec1c51p-1, 0x1.4cbc2ae2c2fa4p-1, 0x1.6e3111f227280p-1, 0x1.6da5aa64d2040p-1, 0x1.86060672e5b64p-1, 0x1.5a3b66ad262dep-1, 0x1.896e24862cd7bp-1, 0x1.89026c9497414p-1, 0x1.7d576cfc403d9p-1, 0x1.812cc28c8f956p-1, 0x1.72824a8397c42p-1, 0x1.8a3a70c71b228p-1, 0x1.8e8c05a22b660p-1, 0x1.8215e9550af3bp-1, 0x1.8631ce3a55476p-1, 0x1.7090bb7f9061ep-1, 0x1.8c7650f975edep-1, 0x1.466d2f5a56b5ep-1, 0x1.5be680b804f98p-1, 0x1.824f3f119af86p-1, 0x1.79c0ba4590ee6p-1, 0x1.71e7576297594p-1, 0x1.70850a7b642e4p-1, 0x1.846e42703fc16p-1, 0x1.4885974f55a6ap-1, 0x1.3ca0808373141p-1, 0x1.681e421cd7ee9p-1, 0x1.66a55462947f3p-1, 0x1.877ae1d81fc43p-1, 0x1.8622876dfdb7ep-1, 0x1.724bbff2913bcp-1, 0x1.78b8b81fac16ep-1, 0x1.4a2dc1952b8dcp-1, 0x1.813f058c55038p-1, 0x1.8ca91e5839fa5p-1, 0x1.401a1b2373860p-1, 0x1.62fb06d2a70bcp-1, 0x1.8278642219093p-1, 0x1.61bffd48cce92p-1, 0x1.8c55c11b87dbep-1, 0x1.62fe26d99cdfcp-1, 0x1.3dd4ea97fc3edp-1, 0x1.4755af018b5fdp-1, 0x1.551fc9df3f92dp-1, 0x1.7905a3bbfdf06p-1, 0x1.704f77c03c222p-1, 0x1.80c8aa582415fp-1, 0x1.4edff97a9e439p-1, 0x1.629f764fcb1b3p-1, 0x1.4e49a60f3791cp-1, 0x1.735db8bf10db4p-1, 0x1.7c29d567b819ep-1, 0x1.4b9c19e9e597ep-1, 0x1.3d4d35f2e5aacp-1, 0x1.48379c5fecc32p-1, 0x1.4c0ed9c30a2d8p-1, 0x1.4b0c032fa6ae6p-1, 0x1.518540db3ac77p-1, 0x1.7bdbba535856cp-1, 0x1.63db50ccca54dp-1, 0x1.713ab5d0a7db4p-1, 0x1.8c2cd3ab13decp-1, 0x1.8c42dbda9b7a8p-1, 0x1.778308b27f1d7p-1, 0x1.792ea256f9ce0p-1, 0x1.556d68bb66ee8p-1, 0x1.3fa54fa483cd2p-1, 0x1.69aa8c0df115cp-1, 0x1.41411035a948dp-1, 0x1.3d0b7a7efa1b0p-1, 0x1.3fc54ca64e6bep-1, 0x1.707b0fd77b55ap-1, 0x1.7c6050a31dc94p-1, 0x1.7bd97b55b2699p-1, 0x1.7e56188294e4ep-1, 0x1.7db425ebdbf46p-1, 0x1.5b135610e4849p-1, 0x1.4448846d0bb08p-1, 0x1.493928a2eae76p-1, 0x1.670172b767268p-1, 0x1.58b0a91c2e73cp-1, 0x1.4c96c4a71d248p-1, 0x1.87923f3a2b69dp-1, 0x1.580ff8c0f7ed4p-1, 0x1.4380841b9ded0p-1, 0x1.4e050b4c7c091p-1, 0x1.50ac62149f1e0p-1, 0x1.671fe0dd87a6fp-1, 0x1.7fd630a4118b2p-1, 0x1.4d74b9e6810d0p-1, 0x1.73217a1dc8eafp-1, 0x1.4c7dd907c7594p-1, 0x1.3e6579abf6c3cp-1, 0x1.6de7ff08542d1p-1, 0x1.6d72cdc68af64p-1, 0x1.407293d4be756p-1}},
	{ratios: []float64{0x1.1d5e2ae0b77d0p+0, 0x1.5a1e03e52a6d8p-2, 0x1.1c85af1e8968bp-2, 0x1.3f16f2e9dfa1ep-2, 0x1.5de624480c402p+0, 0x1.3aa67abd61e81p+0, 0x1.37f49aed980c6p-2, 0x1.41d2445ab1eabp+0, 0x1.78f10ffba6b46p+0, 0x1.052a3a9066070p+0, 0x1.2e5f42412b74ep-1, 0x1.bc7ac1cab9f46p-1, 0x1.222daeea3bf9fp-2, 0x1.eb465309c772dp-4, 0x1.759129808a97cp+0, 0x1.027182c49aac0p+0, 0x1.aca73e4ff471cp-1, 0x1.68360c9fd6a38p+0, 0x1.6a27942531e02p-1, 0x1.52085cc253c8dp+0, 0x1.41b1acc0c0435p+0, 0x1.94f346850437cp-2, 0x1.cf6e2dbfbaea6p-2, 0x1.0532d0ace773ap-1, 0x1.bf3cbdef405ccp-2, 0x1.d78ee3b6cf032p-1, 0x1.da39b1e18c4aap-2, 0x1.5f8c56b124d4bp-1, 0x1.224ea624839b6p-2, 0x1.5fc007678c6b0p+0, 0x1.30cad9f6d5933p-1, 0x1.7b9c1b882861ep-1, 0x1.d5582a95d405cp-1, 0x1.5db330d726a06p+0, 0x1.60b4d2fd4fcc8p-1, 0x1.6282e067578acp+0, 0x1.9ac82e988431ep-1, 0x1.b069818d9ac31p-1, 0x1.aa7313c75852bp-1, 0x1.026e3b9f36a9ap-3, 0x1.6eae7938c6633p-1, 0x1.6ce749a040c40p-2, 0x1.b026822c43c52p-4, 0x1.3805cef9e9413p+0, 0x1.5d79eb4c913eep-2, 0x1.8699882aabe57p-1, 0x1.1d825f65641ddp+0, 0x1.c214ec1f221e3p-1, 0x1.1cdd2f7d230b3p-1, 0x1.a6c09a7c5a637p-1, 0x1.c1573a7807e4dp-1, 0x1.32aee9cf9635ap+0, 0x1.fd0973a2f2e7ap-3, 0x1.c4d1fd1eb0f92p-1, 0x1.caa436a248350p-2, 0x1.f363686df6484p-2, 0x1.2e60dd5dfa9efp+0, 0x1.9f211fa883d48p-1, 0x1.c5d8fde8e592cp-1, 0x1.29fb465b40721p+0, 0x1.60a2be093d2a1p+0, 0x1.70eba2839331fp-1, 0x1.ea428e8a69bf7p-1, 0x1.9d949a9cb5be5p-1, 0x1.a2513d6b776e4p-1, 0x1.11dff252d162ap+0, 0x1.777103c7217b8p-1, 0x1.b1758121f08cbp-1, 0x1.89db3f2d7e9bdp-1, 0x1.6b08b47e4b83dp+0, 0x1.14331ed10a2fdp+0, 0x1.53c014c0d8004p+0, 0x1.6b470bbcc40f3p+0, 0x1.da8d2ff229b5cp-2, 0x1.c4426e5cca749p-1, 0x1.6baaba4913728p+0, 0x1.46a7ea873fcfcp+0, 0x1.2afef517761bap-2, 0x1.14c1da131c980p-2, 0x1.701c390f8304ap-1, 0x1.9ccdde8a24614p-3, 0x1.bf6135998eec2p-2, 0x1.9e73ad4c3a5f8p-3, 0x1.0989efe72a1fcp+0, 0x1.32900b0be19b3p+0, 0x1.5b18224f9b48dp+0, 0x1.43d08edb8f29fp-2, 0x1.1a41e2bcd3b0fp+0, 0x1.063c663d347b9p+0, 0x1.335febc6f4f8ep-2, 0x1.5601dd9959587p+0, 0x1.745e388827919p+0, 0x1.a1337c390163cp-2, 0x1.6efa3c1dd11b1p+0, 0x1.50aba7b5b0a2ep-1, 0x1.9077f1282fbaep-1, 0x1.7c5eb3b11e715p+0, 0x1.43f2bb3d38e90p+0, 0x1.4de0b3cb5f88cp-2, 0x1.6883cc7f780a2p-1, 0x1.a4c923fdc806bp-1, 0x1.264748a5bf123p-1, 0x1.7f0501731af98p-2, 0x1.1784e58842b5ap-1, 0x1.1c6b3a5d31d61p+0, 0x1.04a954df882bap-3, 0x1.c057dd1c4c01ap-1, 0x1.6eeb9d3233ce1p-1, 0x1.00a50823595dbp-3, 0x1.20d153ee5cb0dp-1, 0x1.f26e5134129bap-1, 0x1.a263bd2faf774p-1, 0x1.8522728ed86dap-3, 0x1.7aa761b5f371ep+0, 0x1.342639ca3d3d0p+0, 0x1.75db17c7432aep+0, 0x1.f9395b84870e0p-3, 0x1.e31ce9b0ba67cp-2, 0x1.3e4ea877dfc41p-3, 0x1.30caed01bbc6dp+0, 0x1.ea1c8cedd5cccp-2, 0x1.20217f5fb43f0p-2, 0x1.61df2e18ec4e2p-1, 0x1.60402ea4af01ap+0, 0x1.3f1f3fbd94b3ep+0, 0x1.d924527bf2232p-2, 0x1.3c88acf9c22e4p-2, 0x1.6307f41d7656cp+0, 0x1.cc33d345ead02p-1, 0x1.14a12e4ea6da9p+0, 0x1.cd4e58ca6a7a5p-3, 0x1.71bd71b82c13dp-3, 0x1.1040bc8836bc6p+0, 0x1.6411379d047e6p-1, 0x1.9c6cfa2d2ea19p-3, 0x1.69e78fa727708p+0, 0x1.f9f75b618916ep-1, 0x1.38e7580bac37bp+0, 0x1.bce8150d2bb87p-3, 0x1.4c78eb7d29f3ep+0, 0x1.8bd1f42b94489p-3, 0x1.4ed18c6bd9e54p+0, 0x1.7877010dd5a52p-1, 0x1.264dd28c4a30cp-1, 0x1.bfa2e87f0804ep-1, 0x1.65b7e0a29c722p+0, 0x1.e6675b09025eap-2, 0x1.1fa81bbaf144ep-2, 0x1.ace48765f9782p-1, 0x1.bc38db0e831d2p-2, 0x1.034f4347486e8p-2, 0x1.4dda799554e60p-2, 0x1.5d3fac741f6a3p-3, 0x1.87a7ab8d75698p-2, 0x1.12d60e4521019p-1, 0x1.0dd3ef3c62a26p-1, 0x1.29cdde62d2b31p+0, 0x1.030b3ec188964p-1, 0x1.99a9dbaf6cdf7p-1, 0x1.656ff1307a446p-2, 0x1.2bee2a4802775p-1, 0x1.00e094313a7acp-3, 0x1.cd717e869f0f0p-2, 0x1.f199cc739d085p-4, 0x1.205604b6a73e9p+0, 0x1.be3127e46ef4ep-1, 0x1.76013cc28d076p-2, 0x1.8782282f9ce5fp-1, 0x1.689374540730dp+0, 0x1.fd87a5b8bdf39p-3, 0x1.3f19d9b6b9891p+0, 0x1.68fc21fad2c02p-1, 0x1.9604627db6943p-1, 0x1.44b9c3216a387p+0, 0x1.4cf6cf308a3ccp-1, 0x1.9e647a41fa344p-1, 0x1.10162de9a3de8p+0, 0x1.79b4e99d7c0cap+0, 0x1.28d9c5de98c4dp-1, 0x1.43e4392782a84p+0, 0x1.16e3f033da2b0p+0, 0x1.fb117a99519d2p-1, 0x1.55498da574226p-1, 0x1.2c534d97fa03dp-1, 0x1.68be28f8c6d06p-3, 0x1.208206e8f45b4p-2, 0x1.979392acf5ee9p-3, 0x1.23227af437ac3p+0, 0x1.d4d1c30063840p-2, 0x1.506e2256ba560p-2, 0x1.bf08f78804812p-3, 0x1.471c5d9776a83p+0, 0x1.5199cb16aa8edp+0, 0x1.09ec373eb29a1p+0, 0x1.fa945d9e80478p-2, 0x1.c1a2ef2f54496p-2, 0x1.0543aaf740d6dp-1, 0x1.7c892ec3cebb0p-1, 0x1.483d3db0361ccp-2, 0x1.72c45f4d1fe57p-1, 0x1.dfc906dadaa82p-2, 0x1.724de62ebc637p+0, 0x1.7630262c1fc03p+0, 0x1.bb579a10304a7p-1, 0x1.c4d6a7862c400p-2, 0x1.73b1e99454bcfp+0, 0x1.11157d938551ep-1, 0x1.32cca250649d6p-1, 0x1.9fbac6239108ap-4, 0x1.44bffcd4510c4p-1, 0x1.876caf72978f0p-1, 0x1.9b94cc212de01p-1, 0x1.868666c612e10p-2, 0x1.9cfe97f8c03d0p-1, 0x1.b5fd030dec28ap-4, 0x1.e11cbaf8d0782p-2, 0x1.ce2414cd2948bp-3, 0x1.5191d1c16099ap-1, 0x1.44447af39a191p-3, 0x1.0d4b936b64a52p-3, 0x1.0d4851f86b1dap-1, 0x1.b427e228bd42cp-2, 0x1.d6f2337c344c6p-1, 0x1.ae85e7cc73731p-1, 0x1.269800c6f48e4p+0, 0x1.05437ebb328edp+0, 0x1.1a3648d65335ep+0, 0x1.54aa85d4536b6p+0, 0x1.4a67c8b7aeaafp-1, 0x1.1cf93033c5ce8p-1, 0x1.7a86e32fbd600p+0, 0x1.3cab9d661fdb6p-2, 0x1.1d232e8eeb076p+0, 0x1.00213de67c225p+0, 0x1.4a59618e075f2p-3, 0x1.44f7bfecd51e3p+0, 0x1.5945aafd61addp+0, 0x1.f4df258cdc3e3p-1, 0x1.209cd36c350a3p+0, 0x1.3cb302a9d9262p+0, 0x1.2e1c840973ad7p-2, 0x1.aaa114a9db5d8p-1, 0x1.9cbbb0ffbc5aep-1, 0x1.44d7754ad1730p+0, 0x1.39ff179a5203fp+0, 0x1.41c8f7ab8dce9p+0, 0x1.d5daf4a1190d4p-1, 0x1.599715dfdc73ap+0, 0x1.0e5985f7a1dd2p+0, 0x1.12168cdccd2cbp+0, 0x1.b00b0328d932cp-2, 0x1.2624b9dbcdaa2p-3, 0x1.2533d10bc59a0p-2, 0x1.35c14f7c5f654p-1, 0x1.f99dd353c7acdp-3, 0x1.452887876c0ecp+0, 0x1.c38d65848cc74p-1, 0x1.f52ef774e35c1p-1, 0x1.f414419604722p-1, 0x1.0d8ccf77c19b2p+0, 0x1.91ed19246f936p-1, 0x1.ac9b0dadf0d1ap-4, 0x1.377eab6324186p+0, 0x1.25c73f3cf9e8cp+0, 0x1.9bbaca5d3f7f7p-1, 0x1.b2d4cb483ced5p-1, 0x1.05e497845d469p+0, 0x1.8a2df90b44d53p-3, 0x1.21aa394ed4300p+0, 0x1.cff1d45dcfdf8p-2, 0x1.a2435695a77f8p-3, 0x1.e31ab143ac6fep-2, 0x1.1efe61a849e01p+0, 0x1.8c998f8fbf774p-2, 0x1.22c12b505124bp+0, 0x1.774daf67d2bf8p+0, 0x1.9543323228db7p-1, 0x1.456b5a86e03a6p-1, 0x1.8a8df2c4c71ebp-1, 0x1.0ea30879ac018p+0, 0x1.2c7b69fbb1bcdp+0, 0x1.ed726cebe5f2ep-1, 0x1.ffeeb85e91197p-1, 0x1.aaed5d0a2265ep-3, 0x1.39bfa33b74266p-2, 0x1.d272e3c18e118p-2, 0x1.23f814a570fafp+0, 0x1.0d67fd047481ep-1, 0x1.ca2becff28042p-1, 0x1.e11a7c2699625p-4, 0x1.7aba2dae1c2a4p-3, 0x1.e7b66f61793eap-2, 0x1.0a72037e0ef6dp+0, 0x1.11adddd027152p+0, 0x1.0bc60c3c55b04p+0, 0x1.03af98b2b6ff6p-1, 0x1.a573e9bffc155p-1, 0x1.8045349024f90p-1, 0x1.8178ced189d54p-1, 0x1.104923e5330dep-2}, target: 0.5, lambda: 0.1, want: []float64{0x1.cd3002625647cp-2, 0x1.200c5190a0863p-1, 0x1.247f61f267f84p-1, 0x1.22002261b2f37p-1, 0x1.a7e51f875de06p-2, 0x1.bc43e4cf3a6a4p-2, 0x1.22841090d06e7p-1, 0x1.b81efe30b9ccep-2, 0x1.98445ec52d6a2p-2, 0x1.db2ca3c2f8e7ap-2, 0x1.0d5d95dd24566p-1, 0x1.f1ab528d321c0p-2, 0x1.2416c86821dc1p-1, 0x1.302dbb3dfbdaep-1, 0x1.9a379e29c8bdcp-2, 0x1.dcbf45d00ac6cp-2, 0x1.f63e01a7c9c98p-2, 0x1.a1ef858c7a260p-2, 0x1.04ba7ed29a654p-1, 0x1.aec0a792f904ap-2, 0x1.b831d3f43bdfap-2, 0x1.1bcc54e4f03cfp-1, 0x1.1792df2d336adp-1, 0x1.13506a36919a8p-1, 0x1.18be53da99785p-1, 0x1.e9d848c3d1a9ap-2, 0x1.16cb3e10006c0p-1, 0x1.0642c7882f4c0p-1, 0x1.241466c74bf9cp-1, 0x1.a6d34391fb822p-2, 0x1.0d0411e039dfap-1, 0x1.0234e7b8e8e14p-1, 0x1.ea7c09ed32746p-2, 0x1.a8029153ed5b4p-2, 0x1.0617f1d82f85ep-1, 0x1.a53ac6e87fa94p-2, 0x1.fb67f830ae4fep-2, 0x1.f527f5fbd0498p-2, 0x1.f6e105ac02632p-2, 0x1.2fb770a67c630p-1, 0x1.0413106eeadc0p-1, 0x1.1eb0e8b7a54e2p-1, 0x1.313f131859b92p-1, 0x1.bdc8a14abcbacp-2, 0x1.1fce338b98720p-1, 0x1.009e6f9c3c93fp-1, 0x1.cd1b161c8016cp-2, 0x1.f00cebb265cc0p-2, 0x1.0fe521e9d7602p-1, 0x1.f7f2816c7773cp-2, 0x1.f043bb93820aep-2, 0x1.c0de8ee5ccbb4p-2, 0x1.26aa3c4470b8ep-1, 0x1.ef42590305200p-2, 0x1.17eb6eb0e6b4ap-1, 0x1.14f9e8d670397p-1, 0x1.c35b6e7eb3d1ap-2, 0x1.fa26629ee8400p-2, 0x1.eef65a5f44864p-2, 0x1.c5e5e8d7b8f40p-2, 0x1.a6503f11c93bep-2, 0x1.03c041bbf64c0p-1, 0x1.e470e38737f50p-2, 0x1.fa98f5a36374ep-2, 0x1.f93a9190e0228p-2, 0x1.d3d4514a5ff44p-2, 0x1.02cf12c2b7578p-1, 0x1.f4da85d687feep-2, 0x1.0025fc2ffc810p-1, 0x1.a04de633cd5a2p-2, 0x1.d27c5dea052e4p-2, 0x1.adc28a93e1494p-2, 0x1.a029df5ca8a78p-2, 0x1.16c5360dfb71cp-1, 0x1.ef6bd422aabe2p-2, 0x1.9ff044342931ep-2, 0x1.b553c18aff448p-2, 0x1.2373b91e41d7cp-1, 0x1.250efa80e735cp-1, 0x1.03de38fbb3e74p-1, 0x1.2a240a8cf2c2ap-1, 0x1.18bbb178227dbp-1, 0x1.2a14ce59e6994p-1, 0x1.d8a58f8a7a74cp-2, 0x1.c0f065e6e413ep-2, 0x1.a9840f3bbb036p-2, 0x1.21a8c15675081p-1, 0x1.cefc2e23760dep-2, 0x1.da8e3255719e6p-2, 0x1.22d8c6c391f16p-1, 0x1.ac74a3ce6f874p-2, 0x1.9ae8ffc2e13dcp-2, 0x1.1ae9c7a2e9142p-1, 0x1.9e067e0d8e8e2p-2, 0x1.086909dfec69ap-1, 0x1.fe62ddc4c3852p-2, 0x1.96492ec5cdcdep-2, 0x1.b6e458e13e04cp-2, 0x1.20eea9405c878p-1, 0x1.04f7249f2ef41p-1, 0x1.f883fb262d3b0p-2, 0x1.0e88ef0c2f08ap-1, 0x1.1d61e46325776p-1, 0x1.10aad0dcbc0f6p-1, 0x1.cdbc67696189cp-2, 0x1.2fa2d00c38a5fp-1, 0x1.f08d8531bfbbcp-2, 0x1.040a3b1dad746p-1, 0x1.2fc7f41c91026p-1, 0x1.0f52e73f9ecd2p-1, 0x1.e214799d2a9b0p-2, 0x1.f935392acd222p-2, 0x1.2afee658f7210p-1, 0x1.974710d0d903ep-2, 0x1.c005aa51743eap-2, 0x1.9a0ce4ad17910p-2, 0x1.26cd7d9e49aaep-1, 0x1.1626e2f10f19ep-1, 0x1.2d8dcc00c4d16p-1, 0x1.c1f6411ec484ep-2, 0x1.15a57691ab4dep-1, 0x1.243ca60fa7f9ep-1, 0x1.05ecd6fb1cba8p-1, 0x1.a6893447df2eep-2, 0x1.b9ae54fb03c74p-2, 0x1.16df4774a2508p-1, 0x1.222f65b7568b8p-1, 0x1.a4eddf312ebbap-2, 0x1.ed2047a32427ap-2, 0x1.d23cc34f5891cp-2, 0x1.286392ea90896p-1, 0x1.2bb23ab869a10p-1, 0x1.d4c4446d86aa0p-2, 0x1.059ba3b6ca95ap-1, 0x1.2a278a73d8298p-1, 0x1.a0f4fed09a0bap-2, 0x1.dfe71455102b4p-2, 0x1.bd464b1058e32p-2, 0x1.28fb35b8caae4p-1, 0x1.b1f742ea2ae72p-2, 0x1.2ac1151653f28p-1, 0x1.b09c2889611e4p-2, 0x1.02a938ef1a24bp-1, 0x1.0e87fd3603240p-1, 0x1.f0c1ceae9026cp-2, 0x1.a360522709dcap-2, 0x1.15ea07d3e01f2p-1, 0x1.24456ae2e6418p-1, 0x1.f62c4c4c1d486p-2, 0x1.18f6162e6ff6ep-1, 0x1.2651a22e69038p-1, 0x1.20ef1c69c4598p-1, 0x1.2c6fb32d92969p-1, 0x1.1cc2330a9042fp-1, 0x1.115804adc2a62p-1, 0x1.121140aac49acp-1, 0x1.c60026548d3dcp-2, 0x1.13a01a5879831p-1, 0x1.fbbab3e51993cp-2, 0x1.1f3afad2238a0p-1, 0x1.0db7e54f7f002p-1, 0x1.2fc5cd840bd5cp-1, 0x1.17b79e2b77544p-1, 0x1.30107c1818d1bp-1, 0x1.cb78e44c144bcp-2, 0x1.f12ca5b00a41ap-2, 0x1.1e089974444e6p-1, 0x1.007cd3d6ad1d5p-1, 0x1.a1b98afc324bcp-2, 0x1.26a5ad69ac233p-1, 0x1.b9b173a739894p-2, 0x1.04e5c200c8acep-1, 0x1.fcc86dfe4741ap-2, 0x1.b67153cda3a32p-2, 0x1.08f21f7acc1f6p-1, 0x1.fa5ce4fd182b4p-2, 0x1.d4dcdc6c7f416p-2, 0x1.97d33040f2fe0p-2, 0x1.0e29cc72f6c1ap-1, 0x1.b6ecbb3f767dep-2, 0x1.d0ee4c9cef2e4p-2, 0x1.df958f72dbf96p-2, 0x1.07be48b15f670p-1, 0x1.0da948aa788fap-1, 0x1.2c056bcaa6408p-1, 0x1.2435acf67e613p-1, 0x1.2a5460f702202p-1, 0x1.c9dad948eac66p-2, 0x1.172f36d7a24fdp-1, 0x1.20bf7579f33eep-1, 0x1.28e78780f5558p-1, 0x1.b51075bdf4272p-2, 0x1.af008d68c1b7cp-2, 0x1.d86cc3f7c35e8p-2, 0x1.1474ec6608a2cp-1, 0x1.1891f5b9aaacbp-1, 0x1.134dfae810a54p-1, 0x1.0212a75ce0a99p-1, 0x1.2156eedfc1f62p-1, 0x1.037bf544cad2ep-1, 0x1.16646cb0614b0p-1, 0x1.9c1a50e193b08p-2, 0x1.99dbbd43555dep-2, 0x1.f1ff73a2788ccp-2, 0x1.1856bed120520p-1, 0x1.9b4c93764b836p-2, 0x1.1198d31ebec35p-1, 0x1.0cb9d754d59fep-1, 0x1.318afdc94d4d6p-1, 0x1.0a21ed8bc75aep-1, 0x1.007fedfab1cacp-1, 0x1.fb2cd88e9684cp-2, 0x1.1cd7186ccb620p-1, 0x1.fac44e12b79cep-2, 0x1.312415b63ac23p-1, 0x1.164be29f873d6p-1, 0x1.285bdaa4cfc77p-1, 0x1.0847c91e4cab3p-1, 0x1.2d56afa6a096ep-1, 0x1.2f52fb4270c9ap-1, 0x1.12256c61f439ap-1, 0x1.198b4145c3489p-1, 0x1.ea058f2f5d88cp-2, 0x1.f5b3b2797c0b2p-2, 0x1.c7db1b05152eap-2, 0x1.db1e09cf7e24ap-2, 0x1.cf02e271556bap-2, 0x1.ad3b0ebc11c8ep-2, 0x1.0950c1f70fb3dp-1, 0x1.0fe11636de0c4p-1, 0x1.9759d816651c2p-2, 0x1.222cdf9806fcap-1, 0x1.cd5218da388c6p-2, 0x1.de158b72c0168p-2, 0x1.2d1e73ef1279ep-1, 0x1.b64d813bca9a4p-2, 0x1.aa91a14c12ba2p-2, 0x1.e15fee42dd504p-2, 0x1.cb4ff8e12bb1ap-2, 0x1.bb14c47f84b58p-2, 0x1.233a1c0a9480cp-1, 0x1.f6d3babe579aap-2, 0x1.fad7a2e884b2cp-2, 0x1.b6602a8468292p-2, 0x1.bca4a076a77c2p-2, 0x1.b8245dfc985ecp-2, 0x1.ea563f4c06d9ap-2, 0x1.aa629433efb52p-2, 0x1.d5ddd3db6b1d6p-2, 0x1.d3b4c319460b2p-2, 0x1.19d74fcaf8b16p-1, 0x1.2e6d399048fa2p-1, 0x1.23dedc8642e30p-1, 0x1.0c4c85381c1ffp-1, 0x1.26c9dca6d0508p-1, 0x1.b63150a70d1f6p-2, 0x1.efa02377f1e72p-2, 0x1.e148dde364470p-2, 0x1.e19a8e4d8c224p-2, 0x1.d654218d156e6p-2, 0x1.fdf70afa33bf6p-2, 0x1.314f767031e71p-1, 0x1.be16ba1177664p-2, 0x1.c853bedcdbeacp-2, 0x1.fb21de29dd322p-2, 0x1.f475048a4ba5ap-2, 0x1.dac0f0c71b892p-2, 0x1.2ad0406577760p-1, 0x1.cab4498606056p-2, 0x1.17895c95e3cfep-1, 0x1.29f19100d9860p-1, 0x1.16270c00d6ed6p-1, 0x1.cc3f7abbc4e20p-2, 0x1.1c66c1320dd0ep-1, 0x1.ca1315b613948p-2, 0x1.9936ba67196b4p-2, 0x1.fd0040611c86ap-2, 0x1.0a092b79e089cp-1, 0x1.000c2acf1e858p-1, 0x1.d5b358a636b3cp-2, 0x1.c473f92fddb86p-2, 0x1.e38524c988302p-2, 0x1.de2dbf85efef8p-2, 0x1.29a17445191dep-1, 0x1.2262e7c6dc050p-1, 0x1.175b0d98feb8cp-1, 0x1.c95f68c204d6ap-2, 0x1.1220d91e2c9c4p-1, 0x1.edb681334ebf0p-2, 0x1.305cc14dbe62ap-1, 0x1.2b5f213a19c17p-1, 0x1.15d1d34641bb2p-1, 0x1.d81f719bc1092p-2, 0x1.d3f1424212892p-2, 0x1.d75af02d2408cp-2, 0x1.13885bb79d6bcp-1, 0x1.f852a2e977a02p-2, 0x1.0188885138a75p-1, 0x1.015c1775d67bep-1, 0x1.2561ab69571d9p-1}},
	{ratios: []float64{0x1.59e387ebcc72dp+0, 0x1.840b7ad173bcap-2, 0x1.78290710a5720p+0}, target: 0.05, lambda: 0.3, want: []float64{0x1.47ae147ae147bp-7, 0x1.b697516927130p-2, 0x1.47ae147ae147bp-7}},
	{ratios: []float64{0x1.69274f6ec9b6bp+0, 0x1.fdfa40cf93ca0p-4, 0x1.7c30b693a6b4bp-1, 0x1.3f738a904be80p+0, 0x1.7491eb595bc60p+0, 0x1.755dcfff759dcp-1, 0x1.e78c097885f20p-2, 0x1.9338fed772554p-2, 0x1.6c7f9c6349bb6p+0, 0x1.9478dda6f87acp-2, 0x1.d3ffd83b4a894p-1, 0x1.3199749f8cad8p-2, 0x1.aad9ad710ede8p-1, 0x1.6f0fe8301ba5ep+0, 0x1.2480ac85b91fap-2, 0x1.3f90d6bc4c79fp+0, 0x1.9fde3225d96a8p-1, 0x1.57738ed1d9139p+0, 0x1.15ad0dfd29130p+0, 0x1.b21c8d72d24f0p-2, 0x1.5b5674e74055ap+0, 0x1.8faa663ce8dc7p-1, 0x1.140154d29be6cp-3, 0x1.ae306f75bb23cp-4}, target: 0.8, lambda: 0.05, want: []float64{0x1.82d754629e5cbp-1, 0x1.b39c927ef8493p-1, 0x1.9c2d514141780p-1, 0x1.89048b649abbcp-1, 0x1.81267466679c0p-1, 0x1.9caeafb2a6167p-1, 0x1.a6478faf45e15p-1, 0x1.a966e392bbea6p-1, 0x1.82588034a8b84p-1, 0x1.a95b0b7542eafp-1, 0x1.95ac98e126c63p-1, 0x1.ad04476233c56p-1, 0x1.98b8b7d6a0fd7p-1, 0x1.81f74b8eb24ecp-1, 0x1.ad806d12730f9p-1, 0x1.8900348614b1dp-1, 0x1.9988ed085be15p-1, 0x1.857689f030960p-1, 0x1.8f34881cbd22cp-1, 0x1.a8421641b3c5dp-1, 0x1.84e32e8f58a16p-1, 0x1.9abc189eb85f5p-1, 0x1.b338f67a19a32p-1, 0x1.b459a7999acf3p-1}},
}

func TestOWLSparsitiesGolden(t *testing.T) {
	for k, c := range owlGolden {
		got := OWLSparsities(c.ratios, c.target, c.lambda)
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(c.want[i]) {
				t.Fatalf("case %d (%d blocks): S[%d] = %v (%x), want %v (%x)", k, len(c.ratios), i, got[i], got[i], c.want[i], c.want[i])
			}
		}
	}
}

func TestOWLSparsitiesProperties(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{2, 5, 32, 80, 200} {
		for _, target := range []float64{0.5, 0.7} {
			lambda := 0.08
			ratios := make([]float64, n)
			for i := range ratios {
				ratios[i] = r.Float64() * 2
			}
			s := OWLSparsities(ratios, target, lambda)
			var mean float64
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range s {
				mean += v
				lo, hi = min(lo, v), max(hi, v)
			}
			mean /= float64(n)
			if math.Abs(mean-target) > 1e-12 {
				t.Errorf("n=%d target=%v: mean sparsity %v", n, target, mean)
			}
			if math.Abs((hi-lo)-2*lambda) > 1e-12 {
				t.Errorf("n=%d: spread %v, want 2λ = %v", n, hi-lo, 2*lambda)
			}
			// More outliers → lower sparsity.
			for i := range ratios {
				for j := range ratios {
					if ratios[i] > ratios[j] && !(s[i] < s[j]) {
						t.Fatalf("n=%d: D[%d]=%v > D[%d]=%v but S %v ≥ %v", n, i, ratios[i], j, ratios[j], s[i], s[j])
					}
				}
			}
		}
	}
	// Hand example: D = 1..4, λ = 0.08 → u = 0, 0.16/3, 0.32/3, 0.16,
	// mean(u) = 0.08 → S = 0.78, 0.7267, 0.6733, 0.62.
	s := OWLSparsities([]float64{1, 2, 3, 4}, 0.7, 0.08)
	for i, want := range []float64{0.78, 0.7 + 0.08 - 0.16/3, 0.7 + 0.08 - 0.32/3, 0.62} {
		if math.Abs(s[i]-want) > 1e-15 {
			t.Errorf("S[%d] = %v, want %v", i, s[i], want)
		}
	}
	// The guard: S_l ≤ 0 → 0.01.
	s = OWLSparsities([]float64{0, 1}, 0.05, 0.1) // S = 0.15, −0.05
	if math.Abs(s[0]-0.15) > 1e-15 || s[1] != 0.01 {
		t.Errorf("guard: %v", s)
	}
}

func TestOWLEqualRatios(t *testing.T) {
	for _, ratios := range [][]float64{{0.7}, {1.2, 1.2, 1.2}, {0.5, math.NaN()}} {
		for _, s := range OWLSparsities(ratios, 0.6, 0.08) {
			if s != 0.6 {
				t.Errorf("%v: %v, want the target", ratios, s)
			}
		}
		for _, n := range OWLNM(ratios, 5, 8, 2) {
			if n != 5 {
				t.Errorf("%v: N = %d, want 5", ratios, n)
			}
		}
	}
	if len(OWLSparsities(nil, 0.5, 0.08)) != 0 || len(OWLNM(nil, 2, 4, 1)) != 0 {
		t.Error("no blocks")
	}
}

func TestOWLNM(t *testing.T) {
	// Results of prune_wanda_outlier_structure's numpy expressions.
	cases := []struct {
		ratios []float64
		n, m   int
		lambda float64
		want   []int
	}{
		// u = 0, .5, 1, 1.5, 2; mean 1 → −1, −.5, 0, .5, 1 → round half to
		// even → −1, −0, 0, 0, 1 → N = 6, 5, 5, 5, 4.
		{[]float64{1.0, 1.25, 1.5, 1.75, 2.0}, 5, 8, 2, []int{6, 5, 5, 5, 4}},
		// u − mean = −.5, −1/6, 1/6, .5 → all round to 0.
		{[]float64{0, 1, 2, 3}, 2, 4, 1, []int{2, 2, 2, 2}},
		{[]float64{0.3, 0.9, 1.2, 0.5, 0.7, 1.1, 0.2, 0.8}, 5, 8, 2, []int{6, 5, 4, 5, 5, 4, 6, 5}},
		{[]float64{0.9833922189710753, 0.9015206009957093, 0.6039020825502688, 0.28141444051535713, 0.6879202928558907, 0.6321560907499395, 1.6804620672959738, 0.0034827638350065637, 1.5014680823426338, 1.6782215893009238, 0.2400826951843651, 1.852797719772773, 1.4260471315938474, 1.8031331261978718, 0.5796659179510506, 0.7444439987089835, 0.7857987640822091, 1.9975850115712273, 1.1783533107698065, 0.7214186478468103, 0.856105502779132, 0.5503105052449593, 0.0965361934995308, 0.20341971593525265, 1.6693519899543847, 0.5712463801348728, 1.8711797766225693, 0.49864943282363705, 0.5314560299551596, 1.0219259756148065, 0.37969809432601376, 0.7466985700300732, 1.9123305295072142}, 4, 8, 2.5, []int{4, 4, 4, 5, 4, 4, 3, 5, 3, 3, 5, 3, 3, 3, 4, 4, 4, 3, 4, 4, 4, 4, 5, 5, 3, 4, 3, 5, 5, 4, 5, 4, 3}},
	}
	for k, c := range cases {
		got := OWLNM(c.ratios, c.n, c.m, c.lambda)
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("case %d: N = %v, want %v", k, got, c.want)
			}
		}
	}
	// Out of range: λ = 6 around N = 2 of 4 gives c = −3..3; the reference
	// keeps 0 (dense block) and 4, and would crash beyond; clamped.
	got := OWLNM([]float64{0, 1}, 2, 4, 6) // u − mean = −3, 3 → N = 5, −1
	if got[0] != 4 || got[1] != 0 {
		t.Fatalf("clamp: %v, want [4 0]", got)
	}
}
